import { bool, num } from '../read.ts';
import { errorText } from './fields.ts';
import { done, hook, type Base } from './types.ts';

export type AgentEndEvent = Base & { type: 'agent_end'; success?: boolean; error?: string; durationMs?: number };

export const agentEnd = hook(
  'agent_end',
  (x) => done<AgentEndEvent>(x, { ...x.base, type: 'agent_end', success: bool(x.e, 'success', x.bad), error: errorText(x.e.error, x.bad), durationMs: num(x.e, 'durationMs', x.bad) }),
  { gated: true },
);
