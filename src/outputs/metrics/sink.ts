// OTel metrics as a TraceSink: a private MeterProvider (never the global one) with one
// PeriodicExportingMetricReader per endpoint. runEnded only records into in-memory
// instruments; the readers export on their own unref'd timers, so a slow or dead collector
// costs nothing on the agent's path, and each endpoint's requests are counted in health.

import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricReader } from '@opentelemetry/sdk-metrics';

import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import type { Run, Session } from '../../trace/model.ts';
import { outputHealth } from '../otlp/sink-health.ts';
import { openEndpoints, shutdownWithin } from '../otlp/signal-endpoints.ts';
import { CountingMetricExporter, createOtlpMetricExporter } from './exporter.ts';
import { ATTR_OUTPUT, createInstruments, recordRun } from './instruments.ts';
import type { Instruments } from './instruments.ts';
import type { MetricsOutputOptions, PluginHealthSnapshot } from './options.ts';

export interface MetricsSink extends TraceSink {
  /** Collects and exports now on every endpoint (tests, shutdown); never rejects. */
  flush(): Promise<void>;
}

/** The SDK's default cardinality limit, used when the config gives none. */
const DEFAULT_CARDINALITY_LIMIT = 2000;

export function createMetricsSink(opts: MetricsOutputOptions): MetricsSink {
  const name = opts.name ?? 'metrics';
  const now = opts.now ?? Date.now;
  const interval = Math.max(1, Math.floor(opts.exportIntervalMillis));
  // The config already resolved each endpoint (a bare HTTP origin got /v1/metrics).
  const { endpoints, built: readers } = openEndpoints(
    opts.enabled ? opts.endpoints : [],
    now,
    (entry) => entry,
    (target, { health }): MetricReader => {
      const timeout = Math.max(1, Math.min(target.timeoutMillis, interval));
      const exporter = new CountingMetricExporter(createOtlpMetricExporter(target), health, opts.temporality, timeout);
      return new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: timeout,
        cardinalityLimits: { default: Math.max(1, Math.floor(opts.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT)) },
      });
    },
  );

  const provider = new MeterProvider({
    resource: resourceFromAttributes({ ...opts.resourceAttributes, [ATTR_SERVICE_NAME]: opts.serviceName }),
    readers,
  });
  const meter = provider.getMeter('nemo-relay', opts.version);
  const instruments: Instruments = readers.length > 0 ? createInstruments(meter, opts.maxInstruments) : { skipped: [] };
  observeHealth(meter, instruments, opts.healthSource);

  let stopped = false;
  let dropped = 0;
  let internalErrors = 0;
  let runs = 0;

  const flushAll = async (): Promise<void> => {
    // A failed export rejects forceFlush; it is already counted in the endpoint's health.
    await provider.forceFlush().catch(() => undefined);
  };

  return {
    name,

    runEnded(session: Session, run: Run) {
      if (!opts.enabled) return;
      if (stopped || readers.length === 0) {
        dropped++;
        return;
      }
      try {
        recordRun(instruments, session, run);
        runs++;
      } catch {
        // Malformed model data must never reach the hook handler; health shows the count.
        internalErrors++;
      }
    },

    sessionEnded() {
      // Everything measurable is per run; a session adds nothing to the metrics.
    },

    flush: flushAll,

    async shutdown() {
      if (stopped) return;
      stopped = true;
      await shutdownWithin(() => provider.shutdown(), opts.shutdownTimeoutMillis ?? 5000);
    },

    health(): SinkHealth {
      return outputHealth(name, opts.enabled, stopped, endpoints, {
        dropped,
        queueDepth: 0,
        details: {
          runsRecorded: runs,
          exportIntervalMillis: interval,
          temporality: opts.temporality,
          cardinalityLimit: opts.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT,
          exportedUnit: 'data points',
          ...(instruments.skipped.length > 0 ? { instrumentsSkipped: instruments.skipped } : {}),
          ...(internalErrors > 0 ? { internalErrors } : {}),
        },
      });
    },
  };
}

/** The plugin's own counters, read once per collection through one batch callback. */
function observeHealth(meter: ReturnType<MeterProvider['getMeter']>, inst: Instruments, source: (() => PluginHealthSnapshot) | undefined): void {
  if (!source) return;
  const observables = [inst.events, inst.dropped, inst.queueDepth].filter((o) => o !== undefined);
  if (observables.length === 0) return;
  meter.addBatchObservableCallback((result) => {
    let snap: PluginHealthSnapshot;
    try {
      snap = source();
    } catch {
      return; // a broken source must not break the export of everything else
    }
    if (inst.events) result.observe(inst.events, snap.events);
    if (snap.outputs && snap.outputs.length > 0) {
      for (const o of snap.outputs) {
        if (inst.dropped) result.observe(inst.dropped, o.dropped, { [ATTR_OUTPUT]: o.name });
        if (inst.queueDepth) result.observe(inst.queueDepth, o.queueDepth, { [ATTR_OUTPUT]: o.name });
      }
    } else {
      if (inst.dropped) result.observe(inst.dropped, snap.dropped);
      if (inst.queueDepth) result.observe(inst.queueDepth, snap.queueDepth);
    }
  }, observables);
}
