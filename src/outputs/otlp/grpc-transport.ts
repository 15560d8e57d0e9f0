// OTLP/gRPC transport for the durable queue: one unary TraceService/Export call per stored
// request. The queue holds ExportTraceServiceRequest bytes already encoded (in memory or on
// disk); grpc-js takes the serializer per call, so an identity serializer sends them as they
// are, never decoded and re-encoded on a retry.

import { Client, Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';

import { DEFAULT_BACKOFF } from './backoff.ts';
import type { ExportTransport, SendResult } from './export-transport.ts';
import { grpcCredentials, grpcMetadata, parseGrpcUrl } from './transport.ts';
import type { OtlpTlsOptions } from './transport.ts';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
// grpc-js compression algorithm ids (compression-algorithms.ts): 0 identity, 2 gzip.
const GZIP = 2;
const identity = (b: Buffer): Buffer => b;

export interface GrpcTransportOptions {
  /** http(s)://host:port; a path is ignored. */
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  tls?: OtlpTlsOptions;
}

export function createGrpcTransport(opts: GrpcTransportOptions): ExportTransport {
  const url = parseGrpcUrl(opts.url);
  // Built once: a bad header name fails the output's setup, naming the header.
  const metadata = grpcMetadata(opts.headers);
  const client = new Client(url.host, grpcCredentials({ url: opts.url, ...(opts.tls ? { tls: opts.tls } : {}) }), {
    'grpc.default_compression_algorithm': opts.compression === 'gzip' ? GZIP : 0,
    // While the channel reconnects, calls fail fast with UNAVAILABLE and the queue keeps the
    // bytes; cap grpc-js's reconnect backoff (default 120 s) at the queue's own, so a
    // collector that is back is reached within one retry period.
    'grpc.max_reconnect_backoff_ms': DEFAULT_BACKOFF.maxMs,
  });

  return {
    send(raw, timeoutMillis) {
      return new Promise<SendResult>((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(
          EXPORT_PATH,
          identity,
          identity,
          Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
          metadata.clone(),
          { deadline: Date.now() + timeoutMillis },
          (error) => resolve(error ? verdict(error) : { kind: 'ok' }),
        );
      });
    },
    close() {
      client.close();
    },
  };
}

/**
 * The OTLP spec's retryable gRPC codes (UNAVAILABLE, RESOURCE_EXHAUSTED only with RetryInfo)
 * plus DEADLINE_EXCEEDED and a few transient ones; the rest are refusals a retry cannot fix.
 */
function verdict(error: ServiceError): SendResult {
  const name = status[error.code] ?? String(error.code);
  const message = `gRPC ${name}${error.details ? `: ${error.details.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 200)}` : ''}`;
  const retryAfterMs = retryInfoDelay(error.metadata);
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.ABORTED:
    case status.CANCELLED:
    case status.OUT_OF_RANGE:
    case status.DATA_LOSS:
    // The OTLP spec retries RESOURCE_EXHAUSTED only with RetryInfo; without it we still back
    // off rather than lose the spans: the queue's backoff and the spool bound the cost.
    case status.RESOURCE_EXHAUSTED:
      return retryAfterMs === undefined ? { kind: 'retry', error: message } : { kind: 'retry', error: message, retryAfterMs };
    default:
      return { kind: 'reject', error: message };
  }
}

/**
 * RetryInfo.retry_delay from the `grpc-status-details-bin` trailer (a google.rpc.Status), read
 * with a minimal protobuf walk: Status.details (3) are Any {type_url (1), value (2)}; RetryInfo
 * is {retry_delay (1): Duration {seconds (1), nanos (2)}}. Capped at 5 minutes.
 */
export function retryInfoDelay(metadata: Metadata | undefined, capMs = 300_000): number | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    for (const any of fields(raw, 3)) {
      const typeUrl = fields(any, 1)[0]?.toString('utf8') ?? '';
      if (!typeUrl.endsWith('google.rpc.RetryInfo')) continue;
      const info = fields(any, 2)[0];
      const duration = info ? fields(info, 1)[0] : undefined;
      if (!duration) return 0;
      const { seconds, nanos } = durationOf(duration);
      return Math.min(capMs, Math.max(0, seconds * 1000 + Math.floor(nanos / 1e6)));
    }
  } catch {
    // A malformed trailer is no reason to fail the send's verdict.
  }
  return undefined;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** The length-delimited values of field `field` in one protobuf message. */
function fields(buf: Buffer, field: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = varint(buf, pos);
    pos = p;
    const wire = tag & 7;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = varint(buf, pos);
      if (q + len > buf.length) throw new Error('truncated field');
      if (Math.floor(tag / 8) === field) out.push(buf.subarray(q, q + len));
      pos = q + len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function durationOf(buf: Buffer): { seconds: number; nanos: number } {
  let seconds = 0;
  let nanos = 0;
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = varint(buf, pos);
    if ((tag & 7) !== 0) throw new Error('Duration: unexpected wire type');
    const [v, q] = varint(buf, p);
    if (tag >> 3 === 1) seconds = v;
    else if (tag >> 3 === 2) nanos = v;
    pos = q;
  }
  return { seconds, nanos };
}
