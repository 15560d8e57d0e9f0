// A PushMetricExporter per endpoint (OTLP/HTTP protobuf or OTLP/gRPC), wrapped to count what
// each request carried and how it ended (the SDK's reader only reports failures to the global
// error handler) and to choose temporality from the config rather than from the environment.

import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

import type { ExportHealth } from '../otlp/export-health.ts';
import { guardedExport } from '../otlp/export-health.ts';
import { grpcExporterConfig, httpExporterConfig } from '../otlp/transport.ts';
import type { OtlpTarget } from '../otlp/transport.ts';
import type { MetricsTemporality } from './options.ts';

type HttpConfig = NonNullable<ConstructorParameters<typeof HttpMetricExporter>[0]>;
type GrpcConfig = NonNullable<ConstructorParameters<typeof GrpcMetricExporter>[0]>;

/** Throws, naming the problem, when the endpoint cannot work at all. */
export function createOtlpMetricExporter(target: OtlpTarget): PushMetricExporter {
  if (target.transport === 'grpc') {
    const c = grpcExporterConfig(target);
    return new GrpcMetricExporter({ ...c, compression: c.compression as GrpcConfig['compression'] });
  }
  const c = httpExporterConfig(target);
  return new HttpMetricExporter({ ...c, compression: c.compression as HttpConfig['compression'] });
}

/**
 * The OTel spec's three preferences: cumulative everywhere; delta for counters and
 * histograms (up-down counters stay cumulative); low_memory: delta only for the synchronous
 * counter and histogram, whose delta state can be dropped after each export.
 */
export function temporalityFor(preference: MetricsTemporality, type: InstrumentType): AggregationTemporality {
  if (preference === 'cumulative') return AggregationTemporality.CUMULATIVE;
  switch (type) {
    case InstrumentType.COUNTER:
    case InstrumentType.HISTOGRAM:
      return AggregationTemporality.DELTA;
    case InstrumentType.OBSERVABLE_COUNTER:
      return preference === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    default:
      return AggregationTemporality.CUMULATIVE;
  }
}

export function countDataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of metrics.scopeMetrics) for (const m of scope.metrics) n += m.dataPoints.length;
  return n;
}

export class CountingMetricExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly health: ExportHealth;
  private readonly preference: MetricsTemporality;
  private readonly timeoutMillis: number;

  constructor(inner: PushMetricExporter, health: ExportHealth, preference: MetricsTemporality, timeoutMillis: number) {
    this.inner = inner;
    this.health = health;
    this.preference = preference;
    this.timeoutMillis = timeoutMillis;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const points = countDataPoints(metrics);
    this.health.started();
    guardedExport<ExportResult>(
      this.timeoutMillis,
      (cb) => this.inner.export(metrics, cb),
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) this.health.succeeded(points);
        else this.health.failed(points, result.error ?? new Error('metrics export failed'));
        resultCallback(result);
      },
    );
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return temporalityFor(this.preference, type);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
