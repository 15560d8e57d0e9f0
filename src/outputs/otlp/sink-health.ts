// One SinkHealth for an output with several endpoints (metrics, logs): totals over the
// endpoints, `degraded` while any endpoint's last request failed, and each endpoint (with its
// transport and its own counters) in details, so status names the one that is failing.

import type { SinkHealth } from '../../fanout/sink.ts';
import type { ExportHealth } from './export-health.ts';
import type { OtlpTransport } from './transport.ts';

export interface EndpointEntry {
  /** Redacted endpoint: no credentials, no query. */
  endpoint: string;
  transport: OtlpTransport;
  health: ExportHealth;
}

export function outputHealth(
  name: string,
  enabled: boolean,
  stopped: boolean,
  endpoints: readonly EndpointEntry[],
  extra: { dropped: number; queueDepth: number; details?: Record<string, unknown> },
): SinkHealth {
  let exported = 0;
  let failures = 0;
  let degraded = false;
  let lastSuccess: number | undefined;
  let lastError: { time: number; message: string } | undefined;
  const perEndpoint = endpoints.map((e) => {
    const s = e.health.snapshot();
    exported += s.exported;
    failures += s.failures;
    degraded ||= s.degraded;
    if (s.lastSuccessTime !== undefined && (lastSuccess === undefined || s.lastSuccessTime > lastSuccess)) lastSuccess = s.lastSuccessTime;
    if (s.lastError && (!lastError || s.lastError.time >= lastError.time)) lastError = { time: s.lastError.time, message: `${e.endpoint}: ${s.lastError.message}` };
    return {
      endpoint: e.endpoint,
      transport: e.transport,
      state: s.degraded ? 'degraded' : 'ok',
      exported: s.exported,
      failures: s.failures,
      failedItems: s.failedItems,
      inFlight: s.inFlight,
      ...(s.lastError ? { lastError: { time: new Date(s.lastError.time).toISOString(), message: s.lastError.message } } : {}),
    };
  });
  const state: SinkHealth['state'] = !enabled ? 'disabled' : stopped ? 'stopped' : degraded ? 'degraded' : 'ok';
  const health: SinkHealth = {
    name,
    enabled,
    state,
    exported,
    // SinkHealth has no unit for data points or log records; `messages` is the closest.
    unit: 'messages',
    failures,
    dropped: extra.dropped,
    queueDepth: extra.queueDepth,
    details: { endpoints: perEndpoint, ...extra.details },
  };
  if (lastSuccess !== undefined) health.lastSuccessTime = new Date(lastSuccess).toISOString();
  if (lastError) health.lastError = { time: new Date(lastError.time).toISOString(), message: lastError.message };
  return health;
}
