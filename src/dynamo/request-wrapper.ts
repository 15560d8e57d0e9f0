// The provider's wrapStreamFn: every dynamo/* model call passes through here when DYN_AGENT_TRACE
// is on. Headers are decided when the call starts (OpenClaw builds its HTTP client before it
// builds the body); the body is extended in onPayload, which OpenClaw calls with the finished
// request body. The caller's own onPayload/onResponse are chained, never replaced.

import type { ProviderWrapStreamFnContext } from 'openclaw/plugin-sdk/plugin-entry';
import {
  buildAgentContext,
  buildIdentityHeaders,
  isPlainObject,
  mergeHeadersUnder,
  mergeNvext,
  type AgentContext,
  type SessionControl,
} from './agent-context.ts';
import { resolveCaller, runIdFromCallId, type Caller, type DynamoIdentityView } from './caller.ts';
import type { DynamoEnv } from './env.ts';
import type { PinHandle, SessionControlTable } from './session-control.ts';

export type StreamFn = NonNullable<ProviderWrapStreamFnContext['streamFn']>;
type StreamModel = Parameters<StreamFn>[0];
type StreamOptions = NonNullable<Parameters<StreamFn>[2]>;

export interface RequestCounters {
  /** Bodies that left with nvext.agent_context. */
  annotated: number;
  /** Calls for which no session could be named (no sessionId, engine did not know it): sent untouched. */
  unattributed: number;
  /** Bodies that could not carry nvext (not an object, or nvext of another type): headers only. */
  notExtensible: number;
  /** Requests whose caller set its own session_control; ours stayed out. */
  callerSessionControl: number;
  /** Non-chat-completions APIs (e.g. a config that chose openai-responses): headers only. */
  headersOnly: number;
}

export function emptyRequestCounters(): RequestCounters {
  return { annotated: 0, unattributed: 0, notExtensible: 0, callerSessionControl: 0, headersOnly: 0 };
}

export interface RequestWrapperDeps {
  env: DynamoEnv;
  identity: DynamoIdentityView;
  /** Absent when session control is switched off. */
  sessions?: SessionControlTable;
  counters: RequestCounters;
  /** Told the final body of each request, by callId (the trace's exact provider input). */
  onRequestBody?: (callId: string, body: unknown) => void;
  /** OpenClaw passes the stream it built; the default transport is loaded only if it did not. */
  loadDefaultStream?: () => Promise<StreamFn>;
}

export function wrapDynamoStream(inner: StreamFn | undefined, deps: RequestWrapperDeps): StreamFn {
  const load = deps.loadDefaultStream ?? loadOpenClawStreamSimple;
  return (model, context, options) => {
    if (inner !== undefined) return instrumentedCall(inner, deps, model, context, options);
    return load().then((fallback) => instrumentedCall(fallback, deps, model, context, options));
  };
}

// The SDK subpath ships without typings; a variable specifier keeps tsc from demanding them.
const OPENCLAW_LLM_MODULE = 'openclaw/plugin-sdk/llm';

async function loadOpenClawStreamSimple(): Promise<StreamFn> {
  const llm = (await import(OPENCLAW_LLM_MODULE)) as { streamSimple: StreamFn };
  return llm.streamSimple;
}

function instrumentedCall(
  base: StreamFn,
  deps: RequestWrapperDeps,
  model: StreamModel,
  context: Parameters<StreamFn>[1],
  options: StreamOptions | undefined,
): ReturnType<StreamFn> {
  if (!deps.env.trace) return observedCall(base, deps, model, context, options);
  const caller = resolveCaller(deps.env, deps.identity, {
    sessionId: options?.sessionId,
    runId: runIdFromCallId(options?.requestId),
  });
  if (caller === undefined) {
    deps.counters.unattributed += 1;
    return base(model, context, options);
  }

  const headers = mergeHeadersUnder(buildIdentityHeaders(caller, options?.requestId), options?.headers);
  const agentContext = buildAgentContext(deps.env.sessionTypeId, caller);
  const originalOnPayload = options?.onPayload;
  const originalOnResponse = options?.onResponse;
  let pin: PinHandle | undefined;

  const onPayload = async (payload: unknown, payloadModel: StreamModel): Promise<unknown> => {
    if (model.api !== 'openai-completions') {
      deps.counters.headersOnly += 1;
      return originalOnPayload?.(payload, payloadModel);
    }
    // Checked before the session table is touched: a session marked open whose "open" never
    // left the process would pin nothing and then be "closed" for no reason.
    if (!isPlainObject(payload) || (payload['nvext'] !== undefined && !isPlainObject(payload['nvext']))) {
      deps.counters.notExtensible += 1;
      return originalOnPayload?.(payload, payloadModel);
    }
    const pinned = decidePin(deps, caller, payload, { modelId: model.id, baseUrl: model.baseUrl });
    // (the finished body is reported below, once every addition is in)
    pin = pinned?.handle;
    const additions: { agentContext: AgentContext; sessionControl?: SessionControl } = { agentContext };
    if (pinned !== undefined) additions.sessionControl = pinned.control;

    const first = mergeNvext(payload, additions);
    const replaced = await originalOnPayload?.(first.payload, payloadModel);
    let body: unknown = first.payload;
    if (replaced !== undefined) {
      // A replacement built from scratch may have dropped nvext; merging again is idempotent
      // for one that kept it, and still lets every field the caller chose win.
      const again = mergeNvext(replaced, additions);
      body = again.outcome === 'applied' ? again.payload : replaced;
    }
    deps.counters.annotated += 1;
    if (pinned !== undefined && deps.sessions !== undefined && isPlainObject(body)) {
      // Some wrappers call onPayload without the model; the call's own model is the fallback.
      const baseUrl = (payloadModel as StreamModel | undefined)?.baseUrl || model.baseUrl;
      deps.sessions.remember(pinned.handle, body, baseUrl, options?.apiKey);
    }
    report(deps, options?.requestId, body);
    return body;
  };

  const onResponse: NonNullable<StreamOptions['onResponse']> = async (response, responseModel) => {
    if (pin !== undefined) deps.sessions?.responded(pin, response.status);
    return originalOnResponse?.(response, responseModel);
  };

  return base(model, context, { ...options, headers, onPayload, onResponse });
}

/** DYN_AGENT_TRACE off: the body is only observed (the caller's onPayload still decides it). */
function observedCall(
  base: StreamFn,
  deps: RequestWrapperDeps,
  model: StreamModel,
  context: Parameters<StreamFn>[1],
  options: StreamOptions | undefined,
): ReturnType<StreamFn> {
  if (deps.onRequestBody === undefined) return base(model, context, options);
  const originalOnPayload = options?.onPayload;
  const onPayload = async (payload: unknown, payloadModel: StreamModel): Promise<unknown> => {
    const replaced = await originalOnPayload?.(payload, payloadModel);
    report(deps, options?.requestId, replaced ?? payload);
    return replaced;
  };
  return base(model, context, { ...options, onPayload });
}

/** Hands the final body to the trace; a failure there never reaches the request. */
function report(deps: RequestWrapperDeps, callId: string | undefined, body: unknown): void {
  if (deps.onRequestBody === undefined || typeof callId !== 'string') return;
  try {
    deps.onRequestBody(callId, body);
  } catch {
    // the trace counts its own problems
  }
}

function decidePin(
  deps: RequestWrapperDeps,
  caller: Caller,
  payload: unknown,
  target: { modelId: string; baseUrl: string },
): { control: SessionControl; handle: PinHandle } | undefined {
  if (!caller.isSubagent || deps.sessions === undefined) return undefined;
  const nvext = isPlainObject(payload) ? payload['nvext'] : undefined;
  if (isPlainObject(nvext) && nvext['session_control'] !== undefined) {
    deps.counters.callerSessionControl += 1;
    return undefined;
  }
  return deps.sessions.nextRequest(caller, target);
}
