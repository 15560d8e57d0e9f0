// Not an OpenClaw hook: a `model.usage` diagnostic event (onInternalDiagnosticEvent, see
// src/ingest/diagnostics.ts). For a call another plugin made through `api.runtime.llm`, the
// only trace OpenClaw leaves.

import { num, obj, str } from '../read.ts';
import type { UsageIn } from './fields.ts';
import { done, pseudoHook, reject, type Base } from './types.ts';

export const DIAGNOSTIC_MODEL_USAGE = 'nemo_relay.diagnostic.model_usage';

export type ModelUsageEvent = Base & {
  type: 'model_usage';
  provider?: string;
  model?: string;
  usage?: UsageIn;
  costUsd?: number;
  durationMs?: number;
  /** OpenClaw's diagnostic trace id of the call (an agent run's model.usage shares its run's). */
  diagnosticTraceId?: string;
};

export const modelUsage = pseudoHook(DIAGNOSTIC_MODEL_USAGE, (x) => {
  const { e, bad, base } = x;
  if (str(e, 'type', bad) !== 'model.usage') return reject<ModelUsageEvent>(x, `${DIAGNOSTIC_MODEL_USAGE}: not a model.usage event`);
  const u = obj(e, 'usage', bad);
  const t = obj(e, 'trace', bad);
  const traceId = str(t, 'traceId', bad, 'trace.traceId');
  return done<ModelUsageEvent>(x, {
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
});
