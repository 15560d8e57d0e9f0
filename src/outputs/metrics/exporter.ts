// A PushMetricExporter per endpoint (OTLP/HTTP protobuf or OTLP/gRPC), wrapped to count what
// each request carried and how it ended (the SDK's reader only reports failures to the global
// error handler) and to choose temporality from the config rather than from the environment.

import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

import type { ExportHealth } from '../otlp/export-health.ts';
import { CountingExporter, otlpExporter } from '../otlp/signal-endpoints.ts';
import type { OtlpTarget } from '../otlp/transport.ts';
import type { MetricsTemporality } from './options.ts';

/** Throws, naming the problem, when the endpoint cannot work at all. */
export function createOtlpMetricExporter(target: OtlpTarget): PushMetricExporter {
  return otlpExporter<PushMetricExporter>(target, { grpc: GrpcMetricExporter, http: HttpMetricExporter });
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

export class CountingMetricExporter extends CountingExporter<PushMetricExporter> implements PushMetricExporter {
  private readonly preference: MetricsTemporality;

  constructor(inner: PushMetricExporter, health: ExportHealth, preference: MetricsTemporality, timeoutMillis: number) {
    super(inner, health, timeoutMillis);
    this.preference = preference;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.counted(countDataPoints(metrics), 'metrics', (cb) => this.inner.export(metrics, cb), resultCallback);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return temporalityFor(this.preference, type);
  }
}
