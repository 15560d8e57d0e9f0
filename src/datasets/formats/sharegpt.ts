// ShareGPT with tools, as LLaMA-Factory reads it (dataset_info: formatting "sharegpt", tags
// from/value, system_tag "system", tools column "tools", images column "images"):
//   {conversations: [{from: system|human|gpt|function_call|observation, value}], tools?, images?}
// - `system` only as the first turn (LLaMA-Factory takes it from there); a system prompt that
//   changes mid-trajectory has no place in the format and is left out;
// - tool calls: one `function_call` turn whose value is the JSON of {name, arguments} (an
//   array of them for parallel calls); text the model said alongside its calls has no place
//   either (the turn holds only the calls);
// - the results: one `observation` turn, the result text (a JSON array of the texts, in call
//   order, for parallel calls);
// - LLaMA-Factory wants prompt and answer turns to alternate: consecutive human turns (or gpt
//   turns) are joined with a blank line;
// - reasoning has no field in ShareGPT and is not written;
// - tools: JSON string of [{name, description, parameters}]; images: `<image>` in the text
//   and their paths in `images`.

import { conversationOf, imagesOf, textOf, type Turn } from '../conversation.ts';
import { sampleMeta, type DatasetFormat, type SampleInput } from './format.ts';

interface ShareTurn {
  from: 'system' | 'human' | 'gpt' | 'function_call' | 'observation';
  value: string;
}

function push(out: ShareTurn[], turn: ShareTurn): void {
  const last = out[out.length - 1];
  if (last && last.from === turn.from && (turn.from === 'human' || turn.from === 'gpt')) last.value = `${last.value}\n\n${turn.value}`;
  else out.push(turn);
}

function conversations(turns: Turn[]): ShareTurn[] {
  const out: ShareTurn[] = [];
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i]!;
    if (t.role === 'system') {
      if (out.length === 0) out.push({ from: 'system', value: textOf(t.content) });
    } else if (t.role === 'user') {
      push(out, { from: 'human', value: textOf(t.content) });
    } else if (t.role === 'assistant') {
      if (t.toolCalls.length === 0) {
        push(out, { from: 'gpt', value: textOf(t.content) });
        continue;
      }
      const calls = t.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments }));
      out.push({ from: 'function_call', value: JSON.stringify(calls.length === 1 ? calls[0] : calls) });
      const results: string[] = [];
      while (turns[i + 1]?.role === 'tool') results.push(textOf(turns[++i]!.content));
      out.push({ from: 'observation', value: results.length === 1 ? results[0]! : JSON.stringify(results) });
    } else {
      // A tool turn outside an assistant's calls cannot occur (conversationOf puts them there).
      push(out, { from: 'observation', value: textOf(t.content) });
    }
  }
  return out;
}

export const shareGpt: DatasetFormat = {
  name: 'sharegpt',
  sample(input: SampleInput) {
    const turns = conversationOf(input.doc);
    if (!turns.some((t) => t.role === 'assistant')) return undefined;
    const record: Record<string, unknown> = { conversations: conversations(turns) };
    const tools = input.doc.agent.tool_definitions;
    if (tools && tools.length > 0) record['tools'] = JSON.stringify(tools.map((t) => t.function));
    const images = turns.flatMap((t) => imagesOf(t.content));
    if (images.length > 0) record['images'] = images;
    if (input.withMeta) record['metadata'] = sampleMeta(input);
    return record;
  },
};
