// The hook-payload contract as the fuzz tests state it, independently of src/ingest/parse.ts:
// which fields of each hook are typed, which ones fall back to which (event first, then ctx),
// and which keys an event cannot do without. From it, `expectedParse` says whether a
// delivery must be counted as malformed (a typed field present with the wrong type, a
// non-object event, or a missing key) and whether it is rejected whole (never reaches the
// engine). The fuzz test compares these predictions with the runtime's own counters, event
// by event summed per hook, so a parser that silently drops or double-counts shows up.

type Kind = 'str' | 'num' | 'bool' | 'obj' | 'arr' | 'err';
type Src = 'e' | 'c';
/** A field read: where from, which key, which type. */
type Read = readonly [Src, string, Kind];
/** Reads tried in order until one yields a value (e.g. event.sessionKey, then ctx.sessionKey). */
type Chain = readonly Read[];

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Verdict = 'absent' | 'ok' | 'bad';

export function judge(v: unknown, kind: Kind): Verdict {
  if (kind === 'err') {
    // An error is a string or an {message: string}; empty or false means none.
    if (v === undefined || v === null || v === '' || v === false) return 'absent';
    if (typeof v === 'string') return 'ok';
    return isObj(v) && typeof v.message === 'string' ? 'ok' : 'bad';
  }
  if (v === undefined || v === null) return 'absent';
  switch (kind) {
    case 'str':
      return typeof v === 'string' ? 'ok' : 'bad';
    case 'num':
      return typeof v === 'number' && Number.isFinite(v) ? 'ok' : 'bad';
    case 'bool':
      return typeof v === 'boolean' ? 'ok' : 'bad';
    case 'obj':
      return isObj(v) ? 'ok' : 'bad';
    case 'arr':
      return Array.isArray(v) ? 'ok' : 'bad';
  }
}

class Reader {
  bad = 0;
  readonly e: Obj;
  readonly c: Obj;
  constructor(e: Obj, c: Obj) {
    this.e = e;
    this.c = c;
  }
  /** The chain's value (first well-typed one); every wrong-typed value on the way is a problem. */
  chain(chain: Chain): unknown {
    for (const [src, key, kind] of chain) {
      const v = (src === 'e' ? this.e : this.c)[key];
      const verdict = judge(v, kind);
      if (verdict === 'ok') return v;
      if (verdict === 'bad') this.bad++;
    }
    return undefined;
  }
  field(o: Obj | undefined, key: string, kind: Kind): unknown {
    if (!o) return undefined;
    const v = o[key];
    const verdict = judge(v, kind);
    if (verdict === 'bad') this.bad++;
    return verdict === 'ok' ? v : undefined;
  }
  fields(o: Obj | undefined, spec: Record<string, Kind>): void {
    for (const [k, kind] of Object.entries(spec)) this.field(o, k, kind);
  }
  usage(u: Obj | undefined): void {
    if (!u) return;
    const cost = this.field(u, 'cost', 'obj') as Obj | undefined;
    this.fields(u, { input: 'num', output: 'num', cacheRead: 'num', cacheWrite: 'num' });
    // run totals say `total`, per-message usage `totalTokens`
    if (this.field(u, 'totalTokens', 'num') === undefined) this.field(u, 'total', 'num');
    this.fields(cost, { input: 'num', output: 'num', cacheRead: 'num', cacheWrite: 'num', total: 'num' });
  }
  /** A transcript message; returns false when it has no usable role. */
  message(m: Obj | undefined): boolean {
    if (!m) return false;
    const role = this.field(m, 'role', 'str');
    if (!role) return false;
    this.fields(m, { toolCallId: 'str', toolName: 'str', isError: 'bool', stopReason: 'str', errorMessage: 'str', responseId: 'str', provider: 'str', model: 'str', timestamp: 'num' });
    this.usage(this.field(m, 'usage', 'obj') as Obj | undefined);
    return true;
  }
}

/** Hooks whose only use is to say a run is alive; ctx.trigger is their one typed field. */
const RUN_HOOKS = new Set(['before_agent_reply', 'before_model_resolve', 'agent_turn_prepare', 'before_prompt_build', 'before_agent_run', 'before_agent_finalize']);

/** Hooks whose ctx.trace (W3C ids) places a run or a model call. */
const TRACE_HOOKS = new Set(['agent_turn_prepare', 'before_prompt_build', 'before_agent_run', 'llm_input', 'model_call_started', 'model_call_ended', 'before_agent_finalize', 'agent_end', 'llm_output']);

/** ctx.trace: an object whose traceId is 32 hex digits (else nothing more is read), span ids 16. */
function traceContext(r: Reader): void {
  const t = r.field(r.c, 'trace', 'obj') as Obj | undefined;
  if (!t) return;
  const hexId = (v: unknown, n: number) => typeof v === 'string' && new RegExp(`^[0-9a-f]{${n}}$`).test(v) && !/^0+$/.test(v);
  const traceId = r.field(t, 'traceId', 'str');
  if (traceId === undefined) return;
  if (!hexId(traceId, 32)) return void r.bad++;
  for (const key of ['spanId', 'parentSpanId']) {
    const v = r.field(t, key, 'str');
    if (v !== undefined && !hexId(v, 16)) r.bad++;
  }
  r.field(t, 'traceFlags', 'str');
}

export interface ExpectedParse {
  malformed: boolean;
  /** No event reaches the engine. */
  rejected: boolean;
}

/** What the plugin must make of one delivery of `hook` with this event and ctx. */
export function expectedParse(hook: string, event: unknown, ctx: unknown): ExpectedParse {
  const r = new Reader(isObj(event) ? event : {}, isObj(ctx) ? ctx : {});
  if (!isObj(event)) r.bad++;
  // Identity, read for every hook.
  const sessionKey = r.chain([['e', 'sessionKey', 'str'], ['c', 'sessionKey', 'str']]);
  const sessionId = r.chain([['e', 'sessionId', 'str'], ['c', 'sessionId', 'str']]);
  r.chain([['c', 'agentId', 'str']]);
  r.chain([['e', 'runId', 'str'], ['c', 'runId', 'str']]);
  const e = r.e;
  let rejected = false;
  if (TRACE_HOOKS.has(hook)) traceContext(r);
  switch (hook) {
    case 'gateway_start':
      break;
    case 'gateway_stop':
      r.fields(e, { reason: 'str' });
      break;
    case 'session_start':
    case 'session_end':
      rejected = !sessionKey && !sessionId;
      r.fields(e, hook === 'session_start' ? { resumedFrom: 'str' } : { reason: 'str', durationMs: 'num' });
      break;
    case 'llm_input':
      r.fields(e, { provider: 'str', model: 'str', systemPrompt: 'str', prompt: 'str', historyMessages: 'arr', tools: 'arr' });
      break;
    case 'llm_output':
      r.fields(e, { provider: 'str', model: 'str' });
      r.usage(r.field(e, 'usage', 'obj') as Obj | undefined);
      break;
    case 'model_call_started':
    case 'model_call_ended':
      rejected = !r.field(e, 'callId', 'str');
      r.fields(e, { provider: 'str', model: 'str', api: 'str', transport: 'str' });
      if (hook === 'model_call_ended') {
        r.fields(e, { durationMs: 'num', outcome: 'str', timeToFirstByteMs: 'num', requestPayloadBytes: 'num', responseStreamBytes: 'num' });
        r.chain([['e', 'error', 'str'], ['e', 'errorMessage', 'str']]);
        r.chain([['e', 'failureKind', 'str'], ['e', 'errorCategory', 'str']]);
      }
      break;
    case 'before_message_write':
      rejected = !r.message(r.field(e, 'message', 'obj') as Obj | undefined);
      break;
    case 'before_tool_call':
    case 'after_tool_call':
      rejected = !r.chain([['e', 'toolName', 'str'], ['c', 'toolName', 'str']]);
      r.chain([['e', 'toolCallId', 'str'], ['c', 'toolCallId', 'str']]);
      if (hook === 'after_tool_call') {
        r.fields(e, { error: 'err', durationMs: 'num' });
        // OpenClaw's verdict on a blocked call: result.details.status, then its deniedReason.
        const details = isObj(e.result) ? (r.field(e.result, 'details', 'obj') as Obj | undefined) : undefined;
        if (r.field(details, 'status', 'str') === 'blocked') r.field(details, 'deniedReason', 'str');
      }
      break;
    case 'tool_result_persist':
      break;
    case 'agent_end':
      r.fields(e, { success: 'bool', error: 'err', durationMs: 'num' });
      break;
    case 'before_compaction':
    case 'after_compaction':
      r.fields(e, { messageCount: 'num', compactedCount: 'num', tokenCount: 'num' });
      break;
    case 'subagent_spawned': {
      rejected = !r.field(e, 'childSessionKey', 'str');
      r.fields(e, { agentId: 'str', runId: 'str' });
      // The requester's key: requester.sessionKey, else (OpenClaw 2026.9.6) ctx.requesterSessionKey.
      // The fuzzer only ever puts a string (or nothing) in ctx.requesterSessionKey.
      r.field(r.field(e, 'requester', 'obj') as Obj | undefined, 'sessionKey', 'str');
      break;
    }
    case 'subagent_delivery_target': {
      const child = r.field(e, 'childSessionKey', 'str');
      const requester = r.field(e, 'requesterSessionKey', 'str');
      rejected = !child || !requester;
      r.fields(e, { childRunId: 'str' });
      break;
    }
    case 'subagent_ended':
      rejected = !r.field(e, 'targetSessionKey', 'str');
      r.fields(e, { runId: 'str', reason: 'str', outcome: 'str', endedAt: 'num', error: 'err' });
      break;
    default:
      if (RUN_HOOKS.has(hook)) r.chain([['c', 'trigger', 'str']]);
      else rejected = true; // no handler should ever see another hook name
  }
  return { malformed: rejected || r.bad > 0, rejected };
}

/** Typed fields per hook, for generators: where a wrong type must be counted. */
export const TYPED_FIELDS: Record<string, Record<string, Exclude<Kind, 'err'> | 'err'>> = {
  gateway_stop: { reason: 'str' },
  session_start: { resumedFrom: 'str' },
  session_end: { reason: 'str', durationMs: 'num' },
  llm_input: { provider: 'str', model: 'str', systemPrompt: 'str', prompt: 'str', historyMessages: 'arr', tools: 'arr' },
  llm_output: { provider: 'str', model: 'str', usage: 'obj' },
  model_call_started: { callId: 'str', provider: 'str', model: 'str', api: 'str', transport: 'str' },
  model_call_ended: {
    callId: 'str', provider: 'str', model: 'str', api: 'str', transport: 'str', durationMs: 'num', outcome: 'str',
    timeToFirstByteMs: 'num', requestPayloadBytes: 'num', responseStreamBytes: 'num', error: 'str', failureKind: 'str',
  },
  before_message_write: { message: 'obj' },
  before_tool_call: { toolName: 'str', toolCallId: 'str' },
  after_tool_call: { toolName: 'str', toolCallId: 'str', error: 'err', durationMs: 'num' },
  agent_end: { success: 'bool', error: 'err', durationMs: 'num' },
  before_compaction: { messageCount: 'num', compactedCount: 'num', tokenCount: 'num' },
  after_compaction: { messageCount: 'num', compactedCount: 'num', tokenCount: 'num' },
  subagent_spawned: { childSessionKey: 'str', agentId: 'str', runId: 'str', requester: 'obj' },
  subagent_delivery_target: { childSessionKey: 'str', requesterSessionKey: 'str', childRunId: 'str' },
  subagent_ended: { targetSessionKey: 'str', runId: 'str', reason: 'str', outcome: 'str', endedAt: 'num', error: 'err' },
};
