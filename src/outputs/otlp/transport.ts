// What every OTLP exporter of this plugin (traces, metrics, logs) needs to reach a collector,
// and the gRPC pieces derived from it. The HTTP and gRPC exporters take the same target so a
// config switches transport with one field, and headers, TLS and compression mean the same
// thing on both.

import { Metadata, credentials } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';

export type { OtlpTlsOptions, OtlpTransport } from '../../config/types.ts';
import type { OtlpEndpointBase, OtlpTlsOptions, OtlpTransport } from '../../config/types.ts';

export interface OtlpTarget {
  transport: OtlpTransport;
  /**
   * http_binary: the full signal URL (`https://host:4318/v1/traces`).
   * grpc: `http(s)://host:port`; a path is ignored (gRPC routes by service name).
   */
  url: string;
  /** Resolved header values (env and file already read). Secrets: never logged. */
  headers: Record<string, string>;
  timeoutMillis: number;
  compression: 'gzip' | 'none';
  tls?: OtlpTlsOptions;
}

export function isOtlpTransport(value: unknown): value is OtlpTransport {
  return value === 'http_binary' || value === 'grpc';
}

/**
 * Headers as gRPC metadata. gRPC keys are lowercase ASCII; `Metadata.set` throws on anything
 * else, which names the header instead of failing every request later.
 */
export function grpcMetadata(headers: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) {
    const lower = key.toLowerCase();
    try {
      metadata.set(lower, value);
    } catch (error) {
      throw new Error(`header ${JSON.stringify(key)} cannot be sent as gRPC metadata: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return metadata;
}

/**
 * https → TLS (system roots unless `tls.ca`), http → plaintext. Chosen here rather than by
 * the exporter's own defaults so OTEL_EXPORTER_OTLP_INSECURE or certificate variables cannot
 * silently turn an https endpoint into plaintext or the reverse.
 */
export function grpcCredentials(target: Pick<OtlpTarget, 'url' | 'tls'>): ChannelCredentials {
  const url = parseGrpcUrl(target.url);
  if (url.protocol === 'http:') return credentials.createInsecure();
  const tls = target.tls ?? {};
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new Error('tls.cert and tls.key must be given together (mutual TLS)');
  }
  const buf = (pem: string | undefined) => (pem === undefined ? null : Buffer.from(pem));
  return credentials.createSsl(buf(tls.ca), buf(tls.key), buf(tls.cert));
}

/** A gRPC endpoint must be an http(s) URL with a host; errors say what was expected. */
export function parseGrpcUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`endpoint ${JSON.stringify(raw)} is not a URL (expected http(s)://host:port for gRPC)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint ${JSON.stringify(raw)} has scheme ${url.protocol} (expected http: or https: for gRPC)`);
  }
  if (url.hostname === '') throw new Error(`endpoint ${JSON.stringify(raw)} has no host`);
  return url;
}

/** An HTTP endpoint must be an http(s) URL; checked up front so the output reports why it is off. */
export function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`endpoint ${JSON.stringify(raw)} is not a URL (expected http(s)://host:port/v1/<signal>)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint ${JSON.stringify(raw)} has scheme ${url.protocol} (expected http: or https:)`);
  }
  return url;
}

/** The gRPC exporters' shared constructor options for a target. */
export function grpcExporterConfig(target: OtlpTarget) {
  const url = parseGrpcUrl(target.url);
  return {
    // The exporter takes host:port from the URL; the scheme only matters for credentials, set here.
    url: `${url.protocol}//${url.host}`,
    metadata: grpcMetadata(target.headers),
    credentials: grpcCredentials(target),
    compression: target.compression,
    timeoutMillis: target.timeoutMillis,
  } as const;
}

/** The HTTP/protobuf exporters' shared constructor options for a target. */
export function httpExporterConfig(target: OtlpTarget) {
  const url = parseHttpUrl(target.url);
  const tls = target.tls;
  return {
    url: target.url,
    headers: { ...target.headers },
    compression: target.compression,
    timeoutMillis: target.timeoutMillis,
    // Our queues keep one request in flight; a small limit is only a backstop.
    concurrencyLimit: 4,
    ...(url.protocol === 'https:' && tls && (tls.ca ?? tls.cert) !== undefined
      ? { httpAgentOptions: { keepAlive: true, ...(tls.ca !== undefined ? { ca: tls.ca } : {}), ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}) } }
      : {}),
  } as const;
}

/**
 * The one mapping from a config endpoint (already resolved: env, headers, the signal's path
 * for a bare HTTP origin) to what the exporters take.
 */
export function targetOf(endpoint: OtlpEndpointBase, headers: Record<string, string> = endpoint.headers): OtlpTarget {
  return { transport: endpoint.transport, url: endpoint.endpoint, headers, timeoutMillis: endpoint.timeoutMillis, compression: endpoint.compression, ...(endpoint.tls ? { tls: endpoint.tls } : {}) };
}
