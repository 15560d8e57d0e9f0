// A LogRecordExporter per endpoint (OTLP/HTTP protobuf or OTLP/gRPC), wrapped to count each
// request's outcome, and a processor gate in front of the SDK's BatchLogRecordProcessor that
// enforces max_queue_size itself: the SDK drops on a full queue silently, the gate counts.

import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter, LogRecordProcessor, ReadWriteLogRecord, ReadableLogRecord } from '@opentelemetry/sdk-logs';

import type { ExportHealth } from '../otlp/export-health.ts';
import { guardedExport } from '../otlp/export-health.ts';
import { grpcExporterConfig, httpExporterConfig } from '../otlp/transport.ts';
import type { OtlpTarget } from '../otlp/transport.ts';

type HttpConfig = NonNullable<ConstructorParameters<typeof HttpLogExporter>[0]>;
type GrpcConfig = NonNullable<ConstructorParameters<typeof GrpcLogExporter>[0]>;

/** Throws, naming the problem, when the endpoint cannot work at all. */
export function createOtlpLogExporter(target: OtlpTarget): LogRecordExporter {
  if (target.transport === 'grpc') {
    const c = grpcExporterConfig(target);
    return new GrpcLogExporter({ ...c, compression: c.compression as GrpcConfig['compression'] });
  }
  const c = httpExporterConfig(target);
  return new HttpLogExporter({ ...c, compression: c.compression as HttpConfig['compression'] });
}

/** Records accepted by the gate and not yet settled by an export: the endpoint's queue depth. */
export class PendingCount {
  value = 0;
  dropped = 0;
}

export class CountingLogExporter implements LogRecordExporter {
  private readonly inner: LogRecordExporter;
  private readonly health: ExportHealth;
  private readonly pending: PendingCount;
  private readonly timeoutMillis: number;

  constructor(inner: LogRecordExporter, health: ExportHealth, pending: PendingCount, timeoutMillis: number) {
    this.inner = inner;
    this.health = health;
    this.pending = pending;
    this.timeoutMillis = timeoutMillis;
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const n = logs.length;
    this.health.started();
    guardedExport<ExportResult>(
      this.timeoutMillis,
      (cb) => this.inner.export(logs, cb),
      (result) => {
        this.pending.value = Math.max(0, this.pending.value - n);
        if (result.code === ExportResultCode.SUCCESS) this.health.succeeded(n);
        else this.health.failed(n, result.error ?? new Error('logs export failed'));
        resultCallback(result);
      },
    );
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
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
