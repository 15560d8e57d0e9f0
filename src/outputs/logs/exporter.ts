// A LogRecordExporter per endpoint (OTLP/HTTP protobuf or OTLP/gRPC), wrapped to count each
// request's outcome, and a processor gate in front of the SDK's BatchLogRecordProcessor that
// enforces max_queue_size itself: the SDK drops on a full queue silently, the gate counts.

import type { Context } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter, LogRecordProcessor, ReadWriteLogRecord, ReadableLogRecord } from '@opentelemetry/sdk-logs';

import type { ExportHealth } from '../otlp/export-health.ts';
import { CountingExporter, otlpExporter } from '../otlp/signal-endpoints.ts';
import type { OtlpTarget } from '../otlp/transport.ts';

/** Throws, naming the problem, when the endpoint cannot work at all. */
export function createOtlpLogExporter(target: OtlpTarget): LogRecordExporter {
  return otlpExporter<LogRecordExporter>(target, { grpc: GrpcLogExporter, http: HttpLogExporter });
}

/** Records accepted by the gate and not yet settled by an export: the endpoint's queue depth. */
export class PendingCount {
  value = 0;
  dropped = 0;
}

export class CountingLogExporter extends CountingExporter<LogRecordExporter> implements LogRecordExporter {
  private readonly pending: PendingCount;

  constructor(inner: LogRecordExporter, health: ExportHealth, pending: PendingCount, timeoutMillis: number) {
    super(inner, health, timeoutMillis);
    this.pending = pending;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const n = logs.length;
    this.counted(n, 'logs', (cb) => this.inner.export(logs, cb), (result) => {
      this.pending.value = Math.max(0, this.pending.value - n);
      resultCallback(result);
    });
  }
}

/** Counts and refuses a record when the endpoint already holds max_queue_size unsettled records. */
export class GatedProcessor implements LogRecordProcessor {
  private readonly inner: LogRecordProcessor;
  private readonly pending: PendingCount;
  private readonly maxQueueSize: number;
  private stopped = false;

  constructor(inner: LogRecordProcessor, pending: PendingCount, maxQueueSize: number) {
    this.inner = inner;
    this.pending = pending;
    this.maxQueueSize = Math.max(1, Math.floor(maxQueueSize));
  }

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    if (this.stopped || this.pending.value >= this.maxQueueSize) {
      this.pending.dropped++;
      return;
    }
    this.pending.value++;
    this.inner.onEmit(record, context);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return this.inner.shutdown();
  }
}
