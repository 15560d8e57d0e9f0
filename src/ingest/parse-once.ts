// Parse once per delivery, whoever asks first. registerHooks hands one delivery to every
// consumer in turn (the runtime, which feeds the engine; the Dynamo tool relay); each asks
// parseOnce, and the second gets the first one's result, arrival time included. The memo is
// process-wide (Symbol.for) because OpenClaw loads the plugin's modules once per instance and
// the consumers may come from another copy than the handler; it holds a payload only while
// that delivery runs.

import { parseHook, type ParseResult } from './parse.ts';

type Memo = { depth: number; hook?: string; event?: unknown; ctx?: unknown; result?: ParseResult };

const SLOT = Symbol.for('nemo-relay.ingest.delivery.v1');

function memo(): Memo {
  const g = globalThis as Record<symbol, Memo | undefined>;
  return (g[SLOT] ??= { depth: 0 });
}

/** Runs one delivery: parseOnce calls inside it share their result. */
export function withDelivery<T>(run: () => T): T {
  const m = memo();
  m.depth++;
  try {
    return run();
  } finally {
    if (--m.depth === 0) {
      m.hook = m.event = m.ctx = m.result = undefined;
    }
  }
}

/** parseHook, or the result already parsed for this very delivery (then `at` is the first caller's). */
export function parseOnce(hook: string, event: unknown, ctx: unknown, at: number): ParseResult {
  const m = memo();
  if (m.depth > 0 && m.result !== undefined && m.hook === hook && m.event === event && m.ctx === ctx) return m.result;
  const result = parseHook(hook, event, ctx, at);
  if (m.depth > 0) Object.assign(m, { hook, event, ctx, result });
  return result;
}
