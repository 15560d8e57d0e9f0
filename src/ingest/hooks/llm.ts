import { arr, obj, str } from '../read.ts';
import { usage, type UsageIn } from './fields.ts';
import { done, hook, type Base } from './types.ts';

export type LlmInputEvent = Base & {
  type: 'llm_input';
  provider?: string;
  model?: string;
  systemPrompt?: string;
  prompt?: string;
  history?: unknown[];
  tools?: unknown[];
};
export type LlmOutputEvent = Base & { type: 'llm_output'; provider?: string; model?: string; usage?: UsageIn };

export const llmInput = hook(
  'llm_input',
  (x) =>
    done<LlmInputEvent>(x, {
      ...x.base,
      type: 'llm_input',
      provider: str(x.e, 'provider', x.bad),
      model: str(x.e, 'model', x.bad),
      systemPrompt: str(x.e, 'systemPrompt', x.bad),
      prompt: str(x.e, 'prompt', x.bad),
      history: arr(x.e, 'historyMessages', x.bad),
      tools: arr(x.e, 'tools', x.bad),
    }),
  { gated: true },
);

export const llmOutput = hook(
  'llm_output',
  (x) =>
    done<LlmOutputEvent>(x, {
      ...x.base,
      type: 'llm_output',
      provider: str(x.e, 'provider', x.bad),
      model: str(x.e, 'model', x.bad),
      usage: usage(obj(x.e, 'usage', x.bad), x.bad, 'usage'),
    }),
  { gated: true },
);
