// OpenAI chat fine-tuning records: {messages, tools?}. Assistant tool calls as
// `tool_calls[{id, type:"function", function:{name, arguments: JSON string}}]` with `content`
// null when the model said nothing else (the API's own response shape), each answered by a
// `{role:"tool", tool_call_id, content}` message; reasoning in `reasoning_content` (the
// field OpenAI-compatible servers such as vLLM and DeepSeek use). Images become
// `image_url` parts; the tools list is agent.tool_definitions, already in OpenAI's shape.

import { conversationOf, textOf, type Content, type Turn } from '../conversation.ts';
import { sampleMeta, type DatasetFormat, type SampleInput } from './format.ts';

type OpenAiContent = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];

function openAiContent(c: Content): OpenAiContent {
  if (typeof c === 'string') return c;
  return c.map((p) => (p.type === 'text' ? { type: 'text' as const, text: p.text } : { type: 'image_url' as const, image_url: { url: p.source.path } }));
}

function message(t: Turn): Record<string, unknown> {
  switch (t.role) {
    case 'system':
    case 'user':
      return { role: t.role, content: openAiContent(t.content) };
    case 'tool':
      // Tool messages take text only.
      return { role: 'tool', tool_call_id: t.toolCallId, content: textOf(t.content) };
    case 'assistant': {
      const empty = t.content === '' || (Array.isArray(t.content) && t.content.length === 0);
      const m: Record<string, unknown> = { role: 'assistant', content: empty && t.toolCalls.length > 0 ? null : openAiContent(t.content) };
      if (t.reasoning !== undefined) m['reasoning_content'] = t.reasoning;
      if (t.toolCalls.length > 0) {
        m['tool_calls'] = t.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      }
      return m;
    }
  }
}

export const openAiChatJsonl: DatasetFormat = {
  name: 'openai-chat-jsonl',
  sample(input: SampleInput) {
    const turns = conversationOf(input.doc);
    if (!turns.some((t) => t.role === 'assistant')) return undefined;
    const record: Record<string, unknown> = { messages: turns.map(message) };
    const tools = input.doc.agent.tool_definitions;
    if (tools && tools.length > 0) record['tools'] = tools;
    if (input.withMeta) record['metadata'] = sampleMeta(input);
    return record;
  },
};
