// `doctor` over OTLP/gRPC: an empty Export call to the signal's collector service, with the
// endpoint's own metadata and TLS choice, so a probe fails the way the exporter would
// (refused, TLS, UNAUTHENTICATED, UNIMPLEMENTED for a server without that service).

import { Client, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { OtlpEndpointBase } from '../config/types.ts';
import { grpcCredentials, grpcMetadata, parseGrpcUrl } from '../outputs/otlp/transport.ts';
import type { Finding } from './doctor-checks.ts';

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

const SERVICE: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const raw = (b: Buffer) => b;

export async function checkGrpcEndpoint(o: OtlpEndpointBase, signal: OtlpSignal, timeoutMs = 5000): Promise<Finding> {
  const check = `${o.name} ${o.endpoint} (gRPC)`;
  let client: Client;
  let metadata;
  try {
    const url = parseGrpcUrl(o.endpoint);
    metadata = grpcMetadata(o.headers);
    // The output's own CA and client certificate, as its exporter uses them.
    client = new Client(url.host, grpcCredentials({ url: o.endpoint, ...(o.tls ? { tls: o.tls } : {}) }));
  } catch (err) {
    return { check, verdict: 'fail', detail: (err as Error).message, fix: 'a gRPC endpoint is http(s)://host:port; headers must be lowercase ASCII metadata keys' };
  }
  try {
    const error = await new Promise<ServiceError | null>((resolve) => {
      client.makeUnaryRequest(SERVICE[signal], raw, raw, Buffer.alloc(0), metadata, { deadline: Date.now() + timeoutMs }, (err) => resolve(err));
    });
    if (!error) return { check, verdict: 'ok', detail: `reachable${o.endpoint.startsWith('https:') ? ', TLS ok' : ''}, accepts OTLP ${signal} over gRPC` };
    return { check, ...classifyGrpcError(error, o.endpoint, signal, timeoutMs) };
  } finally {
    client.close();
  }
}

function classifyGrpcError(err: ServiceError, url: string, signal: OtlpSignal, timeoutMs: number): Omit<Finding, 'check'> {
  const detail = `${GrpcStatus[err.code] ?? err.code}: ${err.details || err.message}`;
  switch (err.code) {
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return { verdict: 'fail', detail, fix: `set the output's headers (gRPC metadata) to credentials the collector accepts` };
    case GrpcStatus.UNIMPLEMENTED:
      return { verdict: 'fail', detail, fix: `the server does not offer OTLP ${signal} over gRPC: check the port (4317 is gRPC, 4318 HTTP) or use transport http_binary` };
    case GrpcStatus.DEADLINE_EXCEEDED:
      return { verdict: 'fail', detail: `no answer within ${timeoutMs} ms`, fix: `check that ${safeHost(url)} is up and that no firewall drops the connection` };
    case GrpcStatus.UNAVAILABLE:
      if (/ssl|tls|certificate|handshake/i.test(err.details)) {
        return { verdict: 'fail', detail: `TLS failed: ${err.details}`, fix: url.startsWith('https:') ? `the collector's certificate is not trusted (set the endpoint's \`certificate\` to its CA file; a collector that requires a client certificate needs \`client_certificate\` and \`client_key\`), or it does not speak TLS (use http://)` : 'the endpoint speaks TLS: use https://' };
      }
      return { verdict: 'fail', detail, fix: `start the collector on ${safeHost(url)} or fix the endpoint's host and port` };
    default:
      return { verdict: 'warn', detail: `reachable, answered ${detail} to an empty export`, fix: 'check the collector logs' };
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
