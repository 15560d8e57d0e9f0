// How an encoded ExportTraceServiceRequest reaches the collector. The queue hands a
// transport the request bytes exactly as stored (memory or spool) and gets back one of three
// verdicts; nothing is decoded again on the way out, whatever the span sizes.
//
// A gRPC transport plugs in here too: @grpc/grpc-js's Client.makeUnaryRequest takes the
// serializer as an argument, so an identity serializer posts these same bytes to
// /opentelemetry.proto.collector.trace.v1.TraceService/Export; RESOURCE_EXHAUSTED and
// UNAVAILABLE map to `retry` (with RetryInfo's delay when the status details carry one).

export type SendResult = (
  | { kind: 'ok' }
  /** Try again later; `retryAfterMs` when the server said when (Retry-After, RetryInfo). */
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  /** The server refused this request for good (malformed, unauthorized, too large). */
  | { kind: 'reject'; error: string }
) & {
  /**
   * The socket may still be reading the request's bytes (a verdict that came before the
   * whole body was written): the queue must leave them to the collector, not free them.
   */
  requestInUse?: true;
};

export interface ExportTransport {
  /** Unless the verdict says `requestInUse`, nothing reads `request` once this settles. */
  send(request: Uint8Array, timeoutMillis: number): Promise<SendResult>;
  close(): void;
}

/**
 * Retry-After: delta seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or
 * unparsable. Capped so a hostile or confused server cannot park an output for days.
 */
export function parseRetryAfter(value: string | undefined, now: number, capMs = 300_000): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(capMs, Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(capMs, Math.max(0, at - now));
}

/**
 * OTLP/HTTP retryable statuses (429, 502, 503, 504: the spec's list; Phoenix answers 503
 * when its span queue is full) vs. the rest, which retrying cannot fix.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
