// Hook payload -> HookEvent. Never throws: a wrong-typed field is dropped and reported;
// a payload missing the key the engine needs (a callId, a tool name) is rejected whole.

import type { HookEvent, MessageIn, ToolHookEvent, UsageIn } from './events.ts';
import { arr, bool, describe, type FieldProblems, isObj, num, obj, type Obj, str } from './read.ts';
import { traceFields } from './trace-context.ts';
import { DIAGNOSTIC_MODEL_USAGE, PROVIDER_REQUEST } from './hook-names.ts';

export interface ParseResult {
  event?: HookEvent;
  /** Field problems; when `event` is undefined the payload was rejected. */
  problems: string[];
  /** For before_tool_call / after_tool_call: the tool event, named or not (see ToolHookEvent). */
  tool?: ToolHookEvent;
}

/** Hooks whose only use is to tell the engine a run is alive (and when it started). */
const RUN_HOOKS = new Set([
  'before_agent_reply',
  'before_model_resolve',
  'agent_turn_prepare',
  'before_prompt_build',
  'before_agent_run',
  'before_agent_finalize',
]);

export function parseHook(hook: string, rawEvent: unknown, rawCtx: unknown, at: number): ParseResult {
  const bad: FieldProblems = { list: [] };
  const e: Obj = isObj(rawEvent) ? rawEvent : {};
  const c: Obj = isObj(rawCtx) ? rawCtx : {};
  if (!isObj(rawEvent)) bad.list.push(`event: expected object, found ${rawEvent === null ? 'null' : typeof rawEvent}`);

  // Identity: the event's own fields win over ctx (ctx can be the requester's for subagent hooks).
  const base = {
    at,
    sessionKey: str(e, 'sessionKey', bad, 'event.sessionKey') ?? str(c, 'sessionKey', bad, 'ctx.sessionKey'),
    sessionId: str(e, 'sessionId', bad, 'event.sessionId') ?? str(c, 'sessionId', bad, 'ctx.sessionId'),
    agentId: str(c, 'agentId', bad, 'ctx.agentId'),
    runId: str(e, 'runId', bad, 'event.runId') ?? str(c, 'runId', bad, 'ctx.runId'),
    ...traceFields(hook, c, bad),
  };

  const reject = (why: string): ParseResult => ({ problems: [...bad.list, why] });
  const done = (event: HookEvent): ParseResult => ({ event, problems: bad.list });

  switch (hook) {
    case 'gateway_start':
      return done({ ...base, type: 'gateway_start' });
    case 'gateway_stop':
      return done({ ...base, type: 'gateway_stop', reason: str(e, 'reason', bad) });
    case 'session_start':
      if (!base.sessionKey && !base.sessionId) return reject('session_start: no sessionKey or sessionId');
      return done({ ...base, type: 'session_start', resumedFrom: str(e, 'resumedFrom', bad) });
    case 'session_end':
      if (!base.sessionKey && !base.sessionId) return reject('session_end: no sessionKey or sessionId');
      return done({ ...base, type: 'session_end', reason: str(e, 'reason', bad), durationMs: num(e, 'durationMs', bad) });
    case 'llm_input':
      return done({
        ...base,
        type: 'llm_input',
        provider: str(e, 'provider', bad),
        model: str(e, 'model', bad),
        systemPrompt: str(e, 'systemPrompt', bad),
        prompt: str(e, 'prompt', bad),
        history: arr(e, 'historyMessages', bad),
        tools: arr(e, 'tools', bad),
      });
    case 'llm_output':
      return done({
        ...base,
        type: 'llm_output',
        provider: str(e, 'provider', bad),
        model: str(e, 'model', bad),
        usage: usage(obj(e, 'usage', bad), bad, 'usage'),
      });
    case 'model_call_started':
    case 'model_call_ended': {
      const callId = str(e, 'callId', bad);
      if (!callId) return reject(`${hook}: callId missing`);
      const common = {
        ...base,
        callId,
        provider: str(e, 'provider', bad),
        model: str(e, 'model', bad),
        api: str(e, 'api', bad),
        transport: str(e, 'transport', bad),
      };
      if (hook === 'model_call_started') return done({ ...common, type: 'model_call_started' });
      return done({
        ...common,
        type: 'model_call_ended',
        durationMs: num(e, 'durationMs', bad),
        outcome: str(e, 'outcome', bad),
        error: str(e, 'error', bad) ?? str(e, 'errorMessage', bad),
        failureKind: str(e, 'failureKind', bad) ?? str(e, 'errorCategory', bad),
        timeToFirstByteMs: num(e, 'timeToFirstByteMs', bad),
        requestPayloadBytes: num(e, 'requestPayloadBytes', bad),
        responseStreamBytes: num(e, 'responseStreamBytes', bad),
      });
    }
    case 'before_message_write': {
      const message = parseMessage(obj(e, 'message', bad), bad, 'message');
      if (!message) return reject('before_message_write: message missing or without role');
      return done({ ...base, type: 'message_write', message });
    }
    case 'before_tool_call':
    case 'after_tool_call': {
      const toolName = str(e, 'toolName', bad) ?? str(c, 'toolName', bad, 'ctx.toolName');
      const toolCallId = str(e, 'toolCallId', bad) ?? str(c, 'toolCallId', bad, 'ctx.toolCallId');
      let tool: ToolHookEvent;
      if (hook === 'before_tool_call') tool = { ...base, type: 'tool_start', toolCallId, toolName, params: e.params };
      else {
        const details = isObj(e.result) ? obj(e.result, 'details', bad, 'result.details') : undefined;
        const blocked = str(details, 'status', bad, 'result.details.status') === 'blocked';
        tool = {
          ...base,
          type: 'tool_end',
          toolCallId,
          toolName,
          params: e.params,
          result: e.result,
          error: errorText(e.error, bad),
          ...errorClass(e.error),
          durationMs: num(e, 'durationMs', bad),
          ...(blocked ? { blocked, deniedReason: str(details, 'deniedReason', bad, 'result.details.deniedReason') } : {}),
        };
      }
      if (!toolName) return { problems: [...bad.list, `${hook}: toolName missing`], tool };
      return { event: tool as HookEvent, problems: bad.list, tool };
    }
    case DIAGNOSTIC_MODEL_USAGE: {
      if (str(e, 'type', bad) !== 'model.usage') return reject(`${DIAGNOSTIC_MODEL_USAGE}: not a model.usage event`);
      const u = obj(e, 'usage', bad);
      const t = obj(e, 'trace', bad);
      const traceId = str(t, 'traceId', bad, 'trace.traceId');
      return done({
        ...base,
        agentId: base.agentId ?? str(e, 'agentId', bad),
        type: 'model_usage',
        provider: str(e, 'provider', bad),
        model: str(e, 'model', bad),
        // model.usage says promptTokens = input + cache; `input` is the uncached part, as in hooks.
        usage: u && { input: num(u, 'input', bad, 'usage.input'), output: num(u, 'output', bad, 'usage.output'),
          cacheRead: num(u, 'cacheRead', bad, 'usage.cacheRead'), cacheWrite: num(u, 'cacheWrite', bad, 'usage.cacheWrite'), total: num(u, 'total', bad, 'usage.total') },
        costUsd: num(e, 'costUsd', bad),
        durationMs: num(e, 'durationMs', bad),
        ...(traceId ? { diagnosticTraceId: traceId } : {}),
      });
    }
    case PROVIDER_REQUEST: {
      const callId = str(e, 'callId', bad);
      const runId = callId ? /^(.+):model:\d+$/.exec(callId)?.[1] : undefined;
      if (!callId || !runId) return reject(`${PROVIDER_REQUEST}: callId missing or not <runId>:model:<n>`);
      if (!isObj(e.body)) return reject(`${PROVIDER_REQUEST}: body: expected object, found ${describe(e.body)}`);
      // The body is kept by reference; it is read once, on the lane, when the run is finalized.
      return done({ ...base, runId, type: 'provider_request', callId, body: e.body });
    }
    case 'tool_result_persist':
      return done({
        ...base,
        // Counted and dropped: the same tool result comes again through before_message_write.
        type: 'tool_persist',
      });
    case 'agent_end':
      return done({
        ...base,
        type: 'agent_end',
        success: bool(e, 'success', bad),
        error: errorText(e.error, bad),
        durationMs: num(e, 'durationMs', bad),
      });
    case 'before_compaction':
    case 'after_compaction':
      return done({
        ...base,
        type: 'compaction',
        phase: hook === 'before_compaction' ? 'before' : 'after',
        messageCount: num(e, 'messageCount', bad),
        compactedCount: num(e, 'compactedCount', bad),
        tokenCount: num(e, 'tokenCount', bad),
      });
    case 'subagent_spawned': {
      const childSessionKey = str(e, 'childSessionKey', bad);
      if (!childSessionKey) return reject('subagent_spawned: childSessionKey missing');
      const requester = obj(e, 'requester', bad);
      return done({
        at,
        agentId: str(e, 'agentId', bad),
        type: 'subagent_spawned',
        childSessionKey,
        childRunId: str(e, 'runId', bad),
        // OpenClaw puts the requester in ctx for subagent hooks (they carry no ctx.sessionKey).
        requesterSessionKey: str(requester, 'sessionKey', bad, 'requester.sessionKey') ?? str(c, 'requesterSessionKey', bad, 'ctx.requesterSessionKey'),
      });
    }
    case 'subagent_delivery_target': {
      const childSessionKey = str(e, 'childSessionKey', bad);
      const requesterSessionKey = str(e, 'requesterSessionKey', bad);
      if (!childSessionKey || !requesterSessionKey) return reject('subagent_delivery_target: childSessionKey or requesterSessionKey missing');
      return done({ at, type: 'subagent_target', childSessionKey, requesterSessionKey, childRunId: str(e, 'childRunId', bad) });
    }
    case 'subagent_ended': {
      const childSessionKey = str(e, 'targetSessionKey', bad);
      if (!childSessionKey) return reject('subagent_ended: targetSessionKey missing');
      return done({
        at,
        type: 'subagent_ended',
        childSessionKey,
        runId: str(e, 'runId', bad),
        reason: str(e, 'reason', bad),
        outcome: str(e, 'outcome', bad),
        endedAt: num(e, 'endedAt', bad),
        error: errorText(e.error, bad),
      });
    }
    default:
      if (RUN_HOOKS.has(hook)) return done({ ...base, type: 'run_hook', hook, trigger: str(c, 'trigger', bad, 'ctx.trigger') });
      return reject(`unknown hook ${JSON.stringify(hook).slice(0, 80)}`);
  }
}

function parseMessage(m: Obj | undefined, bad: FieldProblems, path: string): MessageIn | undefined {
  if (!m) return undefined;
  const role = str(m, 'role', bad, `${path}.role`);
  if (!role) return undefined;
  return {
    role,
    content: m.content,
    toolCallId: str(m, 'toolCallId', bad, `${path}.toolCallId`),
    toolName: str(m, 'toolName', bad, `${path}.toolName`),
    isError: bool(m, 'isError', bad, `${path}.isError`),
    usage: usage(obj(m, 'usage', bad, `${path}.usage`), bad, `${path}.usage`),
    stopReason: str(m, 'stopReason', bad, `${path}.stopReason`),
    errorMessage: str(m, 'errorMessage', bad, `${path}.errorMessage`),
    responseId: str(m, 'responseId', bad, `${path}.responseId`),
    provider: str(m, 'provider', bad, `${path}.provider`),
    model: str(m, 'model', bad, `${path}.model`),
    timestamp: num(m, 'timestamp', bad, `${path}.timestamp`),
  };
}

function usage(u: Obj | undefined, bad: FieldProblems, path: string): UsageIn | undefined {
  if (!u) return undefined;
  const cost = obj(u, 'cost', bad, `${path}.cost`);
  return {
    input: num(u, 'input', bad, `${path}.input`),
    output: num(u, 'output', bad, `${path}.output`),
    cacheRead: num(u, 'cacheRead', bad, `${path}.cacheRead`),
    cacheWrite: num(u, 'cacheWrite', bad, `${path}.cacheWrite`),
    // run totals (llm_output) say `total`, per-message usage says `totalTokens`
    total: num(u, 'totalTokens', bad, `${path}.totalTokens`) ?? num(u, 'total', bad, `${path}.total`),
    cost: cost && {
      input: num(cost, 'input', bad, `${path}.cost.input`),
      output: num(cost, 'output', bad, `${path}.cost.output`),
      cacheRead: num(cost, 'cacheRead', bad, `${path}.cost.cacheRead`),
      cacheWrite: num(cost, 'cacheWrite', bad, `${path}.cost.cacheWrite`),
      total: num(cost, 'total', bad, `${path}.cost.total`),
    },
  };
}

function errorText(v: unknown, bad: FieldProblems): string | undefined {
  // `error: false` is how some tools say "no error".
  if (v === undefined || v === null || v === '' || v === false) return undefined;
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.message === 'string') return v.message;
  bad.list.push('error: expected string or {message}');
  // String() throws for a null-prototype object (and for a hostile toString): never let it.
  try {
    return String(v);
  } catch {
    return `[${describe(v)}]`;
  }
}

/** name and code of an error object, read without reporting: optional detail, never a problem. */
function errorClass(v: unknown): { errorName?: string; errorCode?: string } {
  if (typeof v !== 'object' || v === null) return {};
  try {
    const { name, code } = v as { name?: unknown; code?: unknown };
    return { ...(typeof name === 'string' ? { errorName: name } : {}), ...(typeof code === 'string' ? { errorCode: code } : {}) };
  } catch {
    return {};
  }
}
