// Hook payload -> HookEvent. Never throws: a wrong-typed field is dropped and reported;
// a payload missing the key the engine needs (a callId, a tool name) is rejected whole.
// Each hook's parser lives in its module under hooks/; this reads the identity every hook
// shares and dispatches through the table.

import type { HookEvent } from './events.ts';
import { HOOK_BY_NAME } from './hooks/table.ts';
import type { Base, Parsed } from './hooks/types.ts';
import { type FieldProblems, isObj, type Obj, str } from './read.ts';
import { traceFields } from './trace-context.ts';

export type ParseResult = Parsed<HookEvent>;

export function parseHook(hook: string, rawEvent: unknown, rawCtx: unknown, at: number): ParseResult {
  const bad: FieldProblems = { list: [] };
  const e: Obj = isObj(rawEvent) ? rawEvent : {};
  const c: Obj = isObj(rawCtx) ? rawCtx : {};
  if (!isObj(rawEvent)) bad.list.push(`event: expected object, found ${rawEvent === null ? 'null' : typeof rawEvent}`);

  // Identity: the event's own fields win over ctx (ctx can be the requester's for subagent hooks).
  const base: Base = {
    at,
    sessionKey: str(e, 'sessionKey', bad, 'event.sessionKey') ?? str(c, 'sessionKey', bad, 'ctx.sessionKey'),
    sessionId: str(e, 'sessionId', bad, 'event.sessionId') ?? str(c, 'sessionId', bad, 'ctx.sessionId'),
    agentId: str(c, 'agentId', bad, 'ctx.agentId'),
    runId: str(e, 'runId', bad, 'event.runId') ?? str(c, 'runId', bad, 'ctx.runId'),
    ...traceFields(hook, c, bad),
  };

  const def = HOOK_BY_NAME.get(hook);
  if (!def) return { problems: [...bad.list, `unknown hook ${JSON.stringify(hook).slice(0, 80)}`] };
  return def.parse({ hook, e, c, bad, base, at });
}
