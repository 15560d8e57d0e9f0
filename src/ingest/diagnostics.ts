// OpenClaw's internal diagnostic events (`onInternalDiagnosticEvent` from
// openclaw/plugin-sdk/diagnostic-runtime), subscribed once per process. Only `model.usage` is
// taken: for an LLM call another plugin makes through `api.runtime.llm` it is the one signal
// that reaches this plugin. The listener only hands the event to `dispatch` (ingest, counted).

import { DIAGNOSTIC_MODEL_USAGE } from './hook-names.ts';

const SLOT = Symbol.for('nemo-relay.diagnostics.v1');
// The SDK subpath ships without typings; a variable specifier keeps tsc from demanding them.
const DIAGNOSTIC_RUNTIME = 'openclaw/plugin-sdk/diagnostic-runtime';

export interface DiagnosticsSubscription {
  state: 'pending' | 'subscribed' | 'unavailable';
  /** Why not subscribed, when it is not. */
  reason?: string;
  /** model.usage events received. */
  usageEvents: number;
}

type Dispatch = (hook: string, event: unknown, ctx: unknown) => void;

/** Subscribes once per process; later calls return the same subscription (and its counters). */
export function subscribeDiagnostics(dispatch: Dispatch, load: () => Promise<unknown> = () => import(DIAGNOSTIC_RUNTIME)): DiagnosticsSubscription {
  const g = globalThis as Record<symbol, DiagnosticsSubscription | undefined>;
  const existing = g[SLOT];
  if (existing) return existing;
  const sub: DiagnosticsSubscription = { state: 'pending', usageEvents: 0 };
  g[SLOT] = sub;
  load()
    .then((mod) => {
      const on = (mod as { onInternalDiagnosticEvent?: unknown }).onInternalDiagnosticEvent;
      if (typeof on !== 'function') throw new Error('onInternalDiagnosticEvent is not exported');
      (on as (listener: (evt: unknown) => void) => unknown)((evt) => {
        if ((evt as { type?: unknown } | null)?.type !== 'model.usage') return;
        sub.usageEvents++;
        dispatch(DIAGNOSTIC_MODEL_USAGE, evt, {});
      });
      sub.state = 'subscribed';
    })
    .catch((err: unknown) => {
      sub.state = 'unavailable';
      sub.reason = err instanceof Error ? err.message.slice(0, 200) : 'diagnostic runtime could not be loaded';
    });
  return sub;
}

/** For tests: forget the process-wide subscription. */
export function resetDiagnosticsSubscription(): void {
  delete (globalThis as Record<symbol, unknown>)[SLOT];
}
