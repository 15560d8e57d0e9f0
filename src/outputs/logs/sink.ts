// OTel logs as a TraceSink: every mark of a finished run (and of its LLM calls and tools),
// every session mark, and every diagnostic the runtime reports, as a log record tied to its
// span and session. A private LoggerProvider (never the global one) with one batch processor
// per endpoint; runEnded only builds records into bounded in-memory queues.

import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { LogAttributes } from '@opentelemetry/api-logs';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';

import { SpanIds } from '../otlp/span-plan.ts';
import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import type { Mark, Run, Session } from '../../trace/model.ts';
import { outputHealth } from '../otlp/sink-health.ts';
import { openEndpoints, shutdownWithin } from '../otlp/signal-endpoints.ts';
import { CountingLogExporter, GatedProcessor, PendingCount, createOtlpLogExporter } from './exporter.ts';
import type { Diagnostic, LogsOutputOptions } from './options.ts';
import { SEVERITY, markRecord, parseMinimumSeverity, runMarks, sessionAttributesOf, spanContextOf } from './records.ts';

export interface LogsSink extends TraceSink {
  /** An output failure or other event outside the model; constant time, never throws. */
  diagnostic(d: Diagnostic): void;
}

/** How many run span ids to remember to skip a run reported twice (runEnded, then sessionEnded). */
const SEEN_RUNS_CAP = 50_000;

export function createLogsSink(opts: LogsOutputOptions): LogsSink {
  const name = opts.name ?? 'logs';
  const now = opts.now ?? Date.now;
  let setupError: string | undefined;
  const minimum = parseMinimumSeverityOr(opts.minimumSeverity, (message) => (setupError = message));
  // The config already resolved each endpoint (a bare HTTP origin got /v1/logs).
  const { endpoints, built: processors } = openEndpoints(
    opts.enabled ? opts.endpoints : [],
    now,
    (entry) => ({ ...entry, pending: new PendingCount() }),
    (target, { health, pending }): LogRecordProcessor => {
      const exporter = new CountingLogExporter(createOtlpLogExporter(target), health, pending, target.timeoutMillis);
      const batch = new BatchLogRecordProcessor({
        exporter,
        maxQueueSize: opts.maxQueueSize,
        maxExportBatchSize: Math.min(opts.maxExportBatchSize, opts.maxQueueSize),
        scheduledDelayMillis: opts.scheduledDelayMillis,
        exportTimeoutMillis: target.timeoutMillis,
      });
      return new GatedProcessor(batch, pending, opts.maxQueueSize);
    },
  );

  // OTEL_[LOGRECORD_]ATTRIBUTE_VALUE_LENGTH_LIMIT, as the trace outputs apply theirs: the SDK
  // cuts attribute strings; the body (the mark's message) is cut here, where it is set.
  const limit = opts.attributeValueLengthLimit;
  const body = (text: string): string => (limit !== undefined && text.length > limit ? text.slice(0, limit) : text);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ ...opts.resourceAttributes, [ATTR_SERVICE_NAME]: opts.serviceName }),
    processors,
    ...(limit !== undefined ? { logRecordLimits: { attributeValueLengthLimit: limit } } : {}),
  });
  const logger = provider.getLogger('nemo-relay', opts.version);
  const ids = new SpanIds();
  const seenRuns = new Set<string>();
  let stopped = false;
  let filtered = 0;
  let dropped = 0;
  let internalErrors = 0;
  let emitted = 0;
  const active = () => opts.enabled && !stopped && processors.length > 0;

  const emitMark = (session: Session, owner: Parameters<typeof markRecord>[1], mark: Mark): void => {
    if ((SEVERITY[mark.severity]?.number ?? 0) < minimum) {
      filtered++;
      return;
    }
    const { record, context } = markRecord(session, owner, mark, ids);
    logger.emit({ ...record, body: body(mark.message), context });
    emitted++;
  };

  const guarded = (count: () => number, fn: () => void): void => {
    if (!opts.enabled) return;
    if (!active()) {
      dropped += count();
      return;
    }
    try {
      fn();
    } catch {
      // Malformed model data must never reach the hook handler; health shows the count.
      internalErrors++;
    }
  };

  const offerRun = (session: Session, run: Run): void => {
    if (seenRuns.has(run.spanId)) return;
    seenRuns.add(run.spanId);
    if (seenRuns.size > SEEN_RUNS_CAP) seenRuns.delete(seenRuns.values().next().value as string);
    for (const { owner, mark } of runMarks(run)) emitMark(session, owner, mark);
  };

  return {
    name,

    runEnded(session, run) {
      guarded(
        () => [...runMarks(run)].length,
        () => offerRun(session, run),
      );
    },

    sessionEnded(session) {
      guarded(
        () => session.marks.length,
        () => {
          // Runs still open at shutdown never reached runEnded: their marks count too.
          for (const run of session.runs) offerRun(session, run);
          for (const mark of session.marks) emitMark(session, { kind: 'session' }, mark);
        },
      );
    },

    diagnostic(d) {
      guarded(
        () => 1,
        () => {
          const sev = SEVERITY[d.severity] ?? SEVERITY.error;
          if (sev.number < minimum) {
            filtered++;
            return;
          }
          const attributes: LogAttributes = { ...d.attributes, ...(d.session ? sessionAttributesOf(d.session) : {}), 'nemo_relay.diagnostic.name': d.name };
          if (d.output !== undefined) attributes['nemo_relay.output'] = d.output;
          logger.emit({
            eventName: d.name,
            timestamp: millisToHrTime(d.time ?? now()),
            severityNumber: sev.number,
            severityText: sev.text,
            body: body(d.message),
            attributes,
            ...(d.session ? { context: spanContextOf(ids.trace(d.session), ids.span(d.session)) } : {}),
          });
          emitted++;
        },
      );
    },

    async flush() {
      await provider.forceFlush().catch(() => undefined);
    },

    async shutdown() {
      if (stopped) return;
      stopped = true;
      await shutdownWithin(() => provider.shutdown(), opts.shutdownTimeoutMillis ?? 5000);
    },

    health(): SinkHealth {
      let queued = 0;
      let gateDropped = 0;
      for (const e of endpoints) {
        queued += e.pending.value;
        gateDropped += e.pending.dropped;
      }
      const h = outputHealth(name, opts.enabled, stopped, endpoints, {
        dropped: dropped + gateDropped,
        queueDepth: queued,
        details: {
          emitted,
          belowMinimumSeverity: filtered,
          minimumSeverity: minimum,
          maxQueueSize: opts.maxQueueSize,
          exportedUnit: 'log records',
          ...(internalErrors > 0 ? { internalErrors } : {}),
        },
      });
      if (setupError !== undefined && opts.enabled) {
        h.state = h.state === 'ok' ? 'degraded' : h.state;
        h.lastError ??= { time: new Date().toISOString(), message: setupError };
      }
      return h;
    },
  };

  function parseMinimumSeverityOr(value: LogsOutputOptions['minimumSeverity'], report: (message: string) => void): number {
    try {
      return parseMinimumSeverity(value);
    } catch (error) {
      // An unusable filter is reported, and the default (info) applies: logs still flow.
      report(error instanceof Error ? error.message : String(error));
      return parseMinimumSeverity(undefined);
    }
  }
}
