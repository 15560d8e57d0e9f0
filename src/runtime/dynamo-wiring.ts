// The Dynamo capability inside the plugin entry: one process-wide Dynamo (same reason as the
// runtime, see global.ts), its provider registered on every instance, and the table of hooks
// it consumes (src/ingest/register-hooks.ts registers them). It reads session identity from
// the engine, never from an exporter.

import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import { createDynamo, registerDynamo, type Dynamo } from '../dynamo/index.ts';
import type { HookTable } from '../ingest/register-hooks.ts';
import { parseOnce } from '../ingest/parse-once.ts';
import type { ParseResult } from '../ingest/parse.ts';
import type { ToolHookEvent } from '../ingest/events.ts';
import type { Runtime } from './runtime.ts';
import { PROVIDER_REQUEST } from '../ingest/hook-names.ts';

const SLOT = Symbol.for('nemo-relay.dynamo.v1');

type Slot = { dynamo: Dynamo; runtime: Runtime };

export function sharedDynamo(api: Pick<OpenClawPluginApi, 'logger'>, runtime: Runtime): Dynamo {
  const g = globalThis as Record<symbol, Slot | undefined>;
  const current = g[SLOT];
  if (current && current.runtime === runtime) return current.dynamo;
  // The provider's final request bodies reach the trace through ingest, like any hook payload.
  const dynamo = createDynamo({
    api,
    identity: runtime.engine,
    onRequestBody: (callId, body) => runtime.dispatch(PROVIDER_REQUEST, { callId, body }, {}),
  });
  g[SLOT] = { dynamo, runtime };
  return dynamo;
}

/** Registers the provider; returns the hooks the Dynamo pieces consume. Handlers only enqueue. */
export function dynamoHooks(api: Partial<Pick<OpenClawPluginApi, 'registerProvider'>>, dynamo: Dynamo): HookTable {
  if (api.registerProvider) registerDynamo(api as Pick<OpenClawPluginApi, 'registerProvider'>, dynamo);
  const safe = (fn: () => unknown) => {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(() => undefined);
    } catch {
      // Dynamo counts its own failures; an exception must never reach OpenClaw.
    }
  };
  const ids = (e: unknown, c: unknown) => {
    const ev = (e ?? {}) as Record<string, unknown>;
    const cx = (c ?? {}) as Record<string, unknown>;
    const sessionKey = typeof ev.sessionKey === 'string' ? ev.sessionKey : typeof cx.sessionKey === 'string' ? cx.sessionKey : undefined;
    const sessionId = typeof ev.sessionId === 'string' ? ev.sessionId : typeof cx.sessionId === 'string' ? cx.sessionId : undefined;
    return { ...(sessionKey ? { sessionKey } : {}), ...(sessionId ? { sessionId } : {}) };
  };
  const tool = (parsed: ParseResult, on: (event: ToolHookEvent) => void) => {
    if (parsed.tool) on(parsed.tool);
  };
  return {
    // The parse the runtime made of this delivery (or this one, when observability is off).
    before_tool_call: (e, c) => void safe(() => tool(parseOnce('before_tool_call', e, c, Date.now()), (ev) => dynamo.onToolStart(ev))),
    after_tool_call: (e, c) => void safe(() => tool(parseOnce('after_tool_call', e, c, Date.now()), (ev) => dynamo.onToolEnd(ev))),
    agent_end: (e, c) => void safe(() => dynamo.onSessionEnded(ids(e, c))),
    session_end: (e, c) => void safe(() => dynamo.onSessionEnded(ids(e, c))),
    subagent_ended: (e) =>
      void safe(() => {
        // Inside safe(): reading the payload can throw too (a getter, a revoked Proxy).
        const key = (e as Record<string, unknown> | null)?.targetSessionKey;
        if (typeof key === 'string') return dynamo.onSessionEnded(key);
      }),
    gateway_start: () => void safe(() => dynamo.refreshCatalog()),
    // OpenClaw awaits gateway_stop within its shutdown budget; the Dynamo side bounds itself.
    gateway_stop: () => dynamo.onGatewayStop().then(() => dynamo.shutdown()).catch(() => undefined),
  };
}
