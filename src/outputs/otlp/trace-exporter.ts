// The one place a trace SpanExporter is made: OTLP/HTTP protobuf or OTLP/gRPC, by transport.
// Both take finished ReadableSpans, so the export queue and everything upstream of it are
// the same for either.

import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

import { grpcExporterConfig, httpExporterConfig } from './transport.ts';
import type { OtlpTarget } from './transport.ts';

type HttpConfig = NonNullable<ConstructorParameters<typeof HttpTraceExporter>[0]>;
type GrpcConfig = NonNullable<ConstructorParameters<typeof GrpcTraceExporter>[0]>;

/** Throws (naming the field) when the target cannot work at all: the caller disables that one output. */
export function createTraceExporter(target: OtlpTarget): SpanExporter {
  if (target.transport === 'grpc') {
    const c = grpcExporterConfig(target);
    // CompressionAlgorithm is a string enum of otlp-exporter-base ('gzip' | 'none').
    return new GrpcTraceExporter({ ...c, compression: c.compression as GrpcConfig['compression'] }) as unknown as SpanExporter;
  }
  const c = httpExporterConfig(target);
  return new HttpTraceExporter({ ...c, compression: c.compression as HttpConfig['compression'] });
}
