// An OTLP output (HTTP protobuf or gRPC, by the endpoint's transport) as a TraceSink: one per
// configured endpoint, shared by the
// gen_ai, OpenInference and `full` projections.
//
// Design: spans are built as finished ReadableSpan records, encoded into OTLP protobuf
// requests on the background lane and sent by our own byte-bounded, disk-spooled queue
// (export-queue.ts, spool/); there is no TracerProvider and no SDK exporter at all.
// - The model already holds everything a Tracer would generate or measure: trace and span
//   ids (shared with the ATIF file), parents, and the real start/end times of each call.
//   A Tracer would make its own ids (only a stateful IdGenerator hack could override them)
//   and is built for live spans, context propagation and sampling, none of which apply to
//   a run that already happened.
// - No global state is touched: no provider, propagator or context manager is registered,
//   so OpenClaw's own diagnostics-otel plugin and this sink cannot see each other.
// - The SDK's exporter cannot send stored bytes (it serializes spans itself, every retry)
//   and keeps its retry state private; the queue needs both to spool and to report.
// - No span limits truncate a long conversation's flattened message attributes.

import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';

import { DEFAULT_MEMORY_BUDGET_BYTES } from '../../config/spool.ts';
import type { OtlpOutputConfig } from '../../config/types.ts';
import type { BackgroundLane } from '../../fanout/lane.ts';
import { spanShaping } from './span-shaping.ts';
import type { Run, Session } from '../../trace/model.ts';
import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import type { BackoffOptions } from './backoff.ts';
import { ExportQueue } from './export-queue.ts';
import { exportSyncBytes } from './export-sync.ts';
import { exportSyncGrpcBytes } from './export-sync-grpc.ts';
import { createGrpcTransport } from './grpc-transport.ts';
import { createHttpTransport } from './http-transport.ts';
import type { SpanProjection } from './projection.ts';
import { toReadableSpan } from './readable-span.ts';
import { redactEndpoint, safeErrorMessage, secretsOf } from './redact.ts';
import { planSession } from './session-plan.ts';
import { SpanIds, planRun } from './span-plan.ts';
import { annotationSpan } from './annotation-span.ts';
import { markPlanner } from './mark-spans.ts';
import { Spool } from './spool/spool.ts';
import type { ExportTransport } from './export-transport.ts';

/** Requests in flight per output: enough to hide one round trip, few enough to spare the collector. */
const EXPORT_CONCURRENCY = 2;

export interface OtlpSinkOptions {
  /** Clock for health timestamps and for spans the model has no time for at all. */
  now?: () => number;
  /** Version reported in the instrumentation scope (`nemo-relay`). */
  version?: string;
  /** Upper bound for shutdown()'s final flush; default min(timeoutMillis, 5000) + 1000. */
  shutdownTimeoutMillis?: number;
  /** Replaces the transport `config.transport` picks (tests). */
  transport?: ExportTransport;
  /** Where span building and serialization run (the runtime's lane yields to hooks). */
  lane?: BackgroundLane;
  /** Retry pacing (tests shorten it). */
  backoff?: BackoffOptions;
}

export function createOtlpSink(config: OtlpOutputConfig, projection: SpanProjection, opts: OtlpSinkOptions = {}): TraceSink {
  const now = opts.now ?? Date.now;
  const headers: Record<string, string> = { ...projection.headers?.(config), ...config.headers };
  const secrets = secretsOf(config.endpoint, headers);
  const describeError = (error: unknown) => safeErrorMessage(error, secrets);
  const endpoint = redactEndpoint(config.endpoint);
  // The config already resolved it (the endpoint's own, else OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL).
  const transport = config.transport;
  const tls = config.tls ? { tls: config.tls } : {};

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
  const withMarks = markPlanner(config.markProjection, config.markExcludeNames, ids);

  let setupError: { time: number; message: string } | undefined;
  // What the spool drops while it opens (expired or torn segments), before the queue exists.
  const pendingDrops: [string, number][] = [];
  let queue: ExportQueue | undefined;
  let spool: Spool | undefined;
  if (config.enabled) {
    try {
      // Both transports send the queue's stored request bytes as they are.
      const sender =
        opts.transport ??
        (transport === 'grpc'
          ? createGrpcTransport({ url: config.endpoint, headers, compression: config.compression, ...tls })
          : createHttpTransport({ url: config.endpoint, headers, compression: config.compression, maxSockets: EXPORT_CONCURRENCY, now, ...tls }));
      // The spool never fails the output: an unusable directory leaves it memory-only, and
      // health says why.
      if (config.spool) {
        spool = new Spool({
          directory: config.spool.directory,
          maxBytes: config.spool.maxBytes,
          maxAgeMs: config.spool.maxAgeMs,
          now,
          onDrop: (reason, spans) => {
            if (queue) queue.drop(reason, spans);
            else pendingDrops.push([reason, spans]);
          },
        });
      }
      queue = new ExportQueue({
        maxQueueSize: config.maxQueueSize,
        maxExportBatchSize: config.maxExportBatchSize,
        scheduledDelayMillis: config.scheduledDelayMillis,
        timeoutMillis: config.timeoutMillis,
        memoryBudgetBytes: config.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES,
        concurrency: EXPORT_CONCURRENCY,
        ...(config.spool ? { maxAgeMs: config.spool.maxAgeMs } : {}),
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
        spool,
        transport: sender,
        now,
        describeError,
        ...(opts.lane ? { lane: opts.lane } : {}),
      });
      for (const [reason, spans] of pendingDrops.splice(0)) queue.drop(reason, spans);
    } catch (error) {
      // e.g. an unparsable endpoint: the output is broken, the gateway is not.
      setupError = { time: now(), message: describeError(error) };
      spool?.close();
    }
  }
  let stopped = false;
  let setupDropped = 0;
  let internalErrors = 0;

  // Called once per run (the sink contract): the spans are planned now, from the frozen run
  // and the session as it is at delivery; only their attributes are rendered later, on export.
  const offerRun = (session: Session, run: Run): void => {
    const planned = withMarks(planRun(session, run, now, ids));
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
        const planned = withMarks([planSession(session, now, ids)]);
        if (!queue) {
          setupDropped += planned.length;
          return;
        }
        queue.offer({ count: planned.length, build: () => planned.map((s) => shaping.finish(toReadableSpan(s, projection, resource, scope))) });
      });
    },

    async flush() {
      await queue?.flush();
    },

    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (!queue) return;
      // What is not sent within the bound goes to the spool, for the next process; with a
      // spool there is no point holding the gateway's exit long (OpenClaw gives gateway_stop
      // handlers a few seconds, and process exit persists whatever is still here).
      const bound = opts.shutdownTimeoutMillis ?? (spool ? Math.min(config.timeoutMillis, 2000) : Math.min(config.timeoutMillis, 5000) + 1000);
      await queue.shutdown(bound);
    },

    flushSync() {
      // Only for process 'exit' after an un-awaited run: everything still waiting goes out in
      // one bounded synchronous request (see export-sync.ts), and what that did not deliver
      // goes to the spool.
      // Also after shutdown() began: its bounded flush may still be waiting when the process exits.
      if (!queue) return;
      stopped = true;
      try {
        const timeoutMillis = Math.min(config.timeoutMillis, 3000);
        queue.persistSync(
          opts.transport
            ? undefined
            : (request) => (transport === 'grpc' ? exportSyncGrpcBytes : exportSyncBytes)(request, { url: config.endpoint, headers, compression: config.compression, timeoutMillis, ...tls }).ok,
        );
        spool?.close();
      } catch {
        internalErrors++;
      }
    },

    health(): SinkHealth {
      const s = queue?.snapshot();
      const disk = spool?.stats();
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
        queueDepth: (s?.backlog ?? 0) + (s?.memory.spans ?? 0) + (disk?.spans ?? 0),
        details: {
          endpoint,
          transport,
          projection: projection.name,
          compression: config.compression,
          inFlight: s?.inFlightSpans ?? 0,
          inFlightRequests: s?.inFlight ?? 0,
          failedSpans: s?.failedSpans ?? 0,
          backlogSpans: s?.backlog ?? 0,
          // A soft bound now: past it the oldest spans are encoded at once (to disk if memory is full); never a drop.
          maxQueueSize: config.maxQueueSize,
          memory: {
            spans: s?.memory.spans ?? 0,
            bytes: s?.memory.bytes ?? 0,
            requests: s?.memory.requests ?? 0,
            backlogBytes: s?.memory.backlogBytes ?? 0,
            spoolingBytes: s?.memory.spoolingBytes ?? 0,
            peakBytes: s?.memory.peakBytes ?? 0,
            budgetBytes: config.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES,
          },
          disk: disk
            ? {
                state: disk.state,
                ...(disk.reason !== undefined ? { reason: disk.reason } : {}),
                directory: disk.directory,
                segments: disk.segments,
                bytes: disk.bytes,
                spans: disk.spans,
                ...(disk.oldestAgeMs !== undefined ? { oldestAgeMs: disk.oldestAgeMs } : {}),
                tornSegments: disk.tornSegments,
                maxBytes: config.spool?.maxBytes,
                maxAgeMs: config.spool?.maxAgeMs,
              }
            : { state: 'off' },
          droppedBy: { ...s?.droppedBy, ...(setupDropped > 0 ? { setup: setupDropped } : {}) },
          ...(s?.retryingSince !== undefined ? { retryingSince: new Date(s.retryingSince).toISOString() } : {}),
          ...(queue?.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(queue.nextAttemptAt).toISOString() } : {}),
          ...(internalErrors > 0 ? { internalErrors } : {}),
        },
      };
      if (s?.lastSuccessTime !== undefined) health.lastSuccessTime = new Date(s.lastSuccessTime).toISOString();
      if (lastError) health.lastError = { time: new Date(lastError.time).toISOString(), message: lastError.message };
      return health;
    },
  };
}
