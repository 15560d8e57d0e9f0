// An OTLP output (HTTP protobuf or gRPC, by the endpoint's transport) as a TraceSink: one per configured endpoint, shared by the
// gen_ai, OpenInference and `full` projections.
//
// Design: spans are built as finished ReadableSpan records and handed straight to an
// OTLPTraceExporter through our own bounded queue; there is no TracerProvider at all.
// - The model already holds everything a Tracer would generate or measure: trace and span
//   ids (shared with the ATIF file), parents, and the real start/end times of each call.
//   A Tracer would make its own ids (only a stateful IdGenerator hack could override them)
//   and is built for live spans, context propagation and sampling, none of which apply to
//   a run that already happened.
// - No global state is touched: no provider, propagator or context manager is registered,
//   so OpenClaw's own diagnostics-otel plugin and this sink cannot see each other. (The
//   exporter does read the standard OTEL_EXPORTER_OTLP_* variables as fallbacks, like any
//   OTel exporter; explicit config values always win.)
// - Health needs numbers the SDK's BatchSpanProcessor keeps private (drops, queue depth),
//   hence ExportQueue.
// - No span limits truncate a long conversation's flattened message attributes.

import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

import type { OtlpOutputConfig } from '../../config/types.ts';
import type { BackgroundLane } from '../../fanout/lane.ts';
import { exportSyncGrpc } from './export-sync-grpc.ts';
import { createTraceExporter } from './trace-exporter.ts';
import { spanShaping } from './span-shaping.ts';
import { targetOf } from './transport.ts';
import type { Run, Session } from '../../trace/model.ts';
import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import { ExportQueue } from './export-queue.ts';
import { exportSync } from './export-sync.ts';
import type { SpanProjection } from './projection.ts';
import { toReadableSpan } from './readable-span.ts';
import { redactEndpoint, safeErrorMessage, secretsOf } from './redact.ts';
import { planSession } from './session-plan.ts';
import { SpanIds, planRun } from './span-plan.ts';
import { annotationSpan } from './annotation-span.ts';

export interface OtlpSinkOptions {
  /** Clock for health timestamps and for spans the model has no time for at all. */
  now?: () => number;
  /** Version reported in the instrumentation scope (`nemo-relay`). */
  version?: string;
  /** Upper bound for shutdown()'s final flush; default min(timeoutMillis, 5000) + 1000. */
  shutdownTimeoutMillis?: number;
  /** Replaces the OTLP/HTTP exporter (tests of the queue without a network). */
  exporter?: SpanExporter;
  /** Where span building and serialization run (the runtime's lane yields to hooks). */
  lane?: BackgroundLane;
}

function createExporter(config: OtlpOutputConfig, headers: Record<string, string>): SpanExporter {
  return createTraceExporter(targetOf(config, headers));
}

export function createOtlpSink(config: OtlpOutputConfig, projection: SpanProjection, opts: OtlpSinkOptions = {}): TraceSink {
  const now = opts.now ?? Date.now;
  const headers: Record<string, string> = { ...projection.headers?.(config), ...config.headers };
  const secrets = secretsOf(config.endpoint, headers);
  const describeError = (error: unknown) => safeErrorMessage(error, secrets);
  const endpoint = redactEndpoint(config.endpoint);
  const transport = config.transport;

  // The endpoint's published fields (service namespace/version, scope, mark filters, mappings, promotion, length limit).
  const shaping = spanShaping(config);
  const resourceAttributes: Attributes = shaping.resourceAttributes({
    ...config.resourceAttributes,
    [ATTR_SERVICE_NAME]: config.serviceName,
    ...projection.resourceAttributes?.(config),
  });
  const resource: Resource = resourceFromAttributes(resourceAttributes);
  const configuredScope = shaping.scope(opts.version);
  // The semantic-conventions version the projection's names follow travels on the scope.
  const scope: InstrumentationScope = projection.schemaUrl !== undefined ? { ...configuredScope, schemaUrl: projection.schemaUrl } : configuredScope;
  const ids = new SpanIds();

  let setupError: { time: number; message: string } | undefined;
  let queue: ExportQueue | undefined;
  let exporter: SpanExporter | undefined;
  if (config.enabled) {
    try {
      exporter = opts.exporter ?? createExporter(config, headers);
      queue = new ExportQueue(exporter, {
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: config.maxExportBatchSize,
        scheduledDelayMillis: config.scheduledDelayMillis,
        timeoutMillis: config.timeoutMillis,
        now,
        describeError,
        ...(opts.lane ? { lane: opts.lane } : {}),
      });
    } catch (error) {
      // e.g. an unparsable endpoint: the output is broken, the gateway is not.
      setupError = { time: now(), message: describeError(error) };
    }
  }

  let stopped = false;
  let setupDropped = 0;
  let internalErrors = 0;

  // Called once per run (the sink contract): the spans are planned now, from the frozen run
  // and the session as it is at delivery; only their attributes are rendered later, on export.
  const offerRun = (session: Session, run: Run): void => {
    const planned = planRun(session, run, now, ids);
    if (!queue) {
      setupDropped += planned.length;
      return;
    }
    queue.offer({ count: planned.length, build: () => planned.map((s) => shaping.finish(toReadableSpan(s, projection, resource, scope))) });
  };

  const guarded = (fn: () => void): void => {
    if (!config.enabled) return;
    try {
      fn();
    } catch {
      // Malformed model data must never reach the hook handler; health shows the count.
      internalErrors++;
    }
  };

  return {
    name: config.name,

    runEnded(session, run) {
      guarded(() => offerRun(session, run));
    },

    sessionAnnotated(target, annotation) {
      guarded(() => {
        if (!queue) {
          setupDropped += 1;
          return;
        }
        queue.offer({ count: 1, build: () => [annotationSpan(target, annotation, resource, scope)] });
      });
    },

    sessionEnded(session) {
      guarded(() => {
        // Every run of the session already came through runEnded (the sink contract).
        if (!queue) {
          setupDropped += 1;
          return;
        }
        const planned = planSession(session, now, ids);
        queue.offer({ count: 1, build: () => [shaping.finish(toReadableSpan(planned, projection, resource, scope))] });
      });
    },

    async flush() {
      await queue?.flush();
    },

    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (!queue) return;
      await queue.shutdown(opts.shutdownTimeoutMillis ?? Math.min(config.timeoutMillis, 5000) + 1000);
      // Not awaited: the exporter's shutdown waits for a request we have already given up on.
      exporter?.shutdown().catch(() => undefined);
    },

    flushSync() {
      // Only for process 'exit' after an un-awaited run: everything still queued goes out in
      // one bounded synchronous request (see export-sync.ts); in-flight requests are lost.
      if (!queue || stopped || opts.exporter) return;
      stopped = true;
      try {
        const spans = queue.takeAll();
        if (spans.length === 0) return;
        const result = (transport === 'grpc' ? exportSyncGrpc : exportSync)(spans, {
          url: config.endpoint,
          headers,
          compression: config.compression,
          timeoutMillis: Math.min(config.timeoutMillis, 3000),
        });
        queue.settleTaken(spans.length, result.ok ? undefined : describeError(result.error));
      } catch {
        internalErrors++;
      }
    },

    health(): SinkHealth {
      const s = queue?.snapshot();
      const lastError = s?.lastError ?? setupError;
      const state: SinkHealth['state'] = !config.enabled
        ? 'disabled'
        : stopped
          ? 'stopped'
          : setupError || s?.degraded
            ? 'degraded'
            : 'ok';
      const health: SinkHealth = {
        name: config.name,
        enabled: config.enabled,
        state,
        exported: s?.exported ?? 0,
        unit: 'spans',
        failures: (s?.failures ?? 0) + (setupError ? 1 : 0),
        dropped: (s?.dropped ?? 0) + setupDropped,
        queueDepth: s?.queued ?? 0,
        details: {
          endpoint,
          transport,
          projection: projection.name,
          inFlight: s?.inFlight ?? 0,
          failedSpans: s?.failedSpans ?? 0,
          maxQueueSize: config.maxQueueSize,
          compression: config.compression,
          ...(internalErrors > 0 ? { internalErrors } : {}),
        },
      };
      if (s?.lastSuccessTime !== undefined) health.lastSuccessTime = new Date(s.lastSuccessTime).toISOString();
      if (lastError) health.lastError = { time: new Date(lastError.time).toISOString(), message: lastError.message };
      return health;
    },
  };
}
