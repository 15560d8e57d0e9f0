// What the metrics and logs outputs share around their OTel SDK pipelines: the SDK exporter
// for an endpoint's transport, one health record per endpoint (a setup error switches that
// endpoint alone off), and a shutdown bounded in time. The trace outputs do not use the SDK
// exporters (see sink.ts); only ExportHealth and the transport options are common to all three.

import type { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';

import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';

import { ExportHealth, guardedExport } from './export-health.ts';
import { redactEndpoint, safeErrorMessage, secretsOf } from './redact.ts';
import type { EndpointEntry } from './sink-health.ts';
import { grpcExporterConfig, httpExporterConfig } from './transport.ts';
import type { OtlpTarget } from './transport.ts';

// The exporter packages of one OTel line take the same base options per transport (metrics
// add optional ones of their own); these are the logs exporters' spelling of them.
type HttpConfig = NonNullable<ConstructorParameters<typeof HttpLogExporter>[0]>;
type GrpcConfig = NonNullable<ConstructorParameters<typeof GrpcLogExporter>[0]>;

/** The OTLP/HTTP-protobuf and OTLP/gRPC exporter classes of one signal. */
export interface ExporterClasses<E> {
  grpc: new (config: GrpcConfig) => E;
  http: new (config: HttpConfig) => E;
}

/** The signal's exporter for the target's transport; throws, naming the problem, when the endpoint cannot work. */
export function otlpExporter<E>(target: OtlpTarget, classes: ExporterClasses<E>): E {
  if (target.transport === 'grpc') {
    const c = grpcExporterConfig(target);
    return new classes.grpc({ ...c, compression: c.compression as GrpcConfig['compression'] });
  }
  const c = httpExporterConfig(target);
  return new classes.http({ ...c, compression: c.compression as HttpConfig['compression'] });
}

/**
 * One health entry per target (`extend` adds what the output keeps beside it) and the SDK
 * piece `build` makes for it. A target whose `build` throws (not a URL, a header gRPC refuses)
 * is marked broken in its health and gets no piece: it alone is off.
 */
export function openEndpoints<E extends EndpointEntry, P>(
  targets: readonly OtlpTarget[],
  now: () => number,
  extend: (entry: EndpointEntry) => E,
  build: (target: OtlpTarget, entry: E) => P,
): { endpoints: E[]; built: P[] } {
  const endpoints: E[] = [];
  const built: P[] = [];
  for (const target of targets) {
    const secrets = secretsOf(target.url, target.headers);
    const entry = extend({ endpoint: redactEndpoint(target.url), transport: target.transport, health: new ExportHealth(now, (e) => safeErrorMessage(e, secrets)) });
    endpoints.push(entry);
    try {
      built.push(build(target, entry));
    } catch (error) {
      entry.health.broken(error);
    }
  }
  return { endpoints, built };
}

/**
 * An SDK exporter wrapped to count each request in its endpoint's health (the SDK's readers and
 * processors only report failures to the global error handler) and bounded by guardedExport.
 */
export abstract class CountingExporter<I extends { forceFlush(): Promise<void>; shutdown(): Promise<void> }> {
  protected readonly inner: I;
  protected readonly health: ExportHealth;
  protected readonly timeoutMillis: number;

  constructor(inner: I, health: ExportHealth, timeoutMillis: number) {
    this.inner = inner;
    this.health = health;
    this.timeoutMillis = timeoutMillis;
  }

  /** One request carrying `items` (data points, log records); `done` runs after the counters are settled. */
  protected counted(items: number, what: string, send: (callback: (result: ExportResult) => void) => void, done: (result: ExportResult) => void): void {
    this.health.started();
    guardedExport<ExportResult>(this.timeoutMillis, send, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.health.succeeded(items);
      else this.health.failed(items, result.error ?? new Error(`${what} export failed`));
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** A provider's shutdown (its final export) given at most `ms`; never rejects. */
export async function shutdownWithin(shutdown: () => Promise<void>, ms: number): Promise<void> {
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([shutdown().catch(() => undefined), new Promise<void>((resolve) => (bound = setTimeout(resolve, ms)))]);
  clearTimeout(bound);
}
