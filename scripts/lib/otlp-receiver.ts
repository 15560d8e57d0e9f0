// A real OTLP/HTTP trace receiver for tests: listens on 127.0.0.1 (random port), decodes
// ExportTraceServiceRequest protobuf bodies (plain, gzip or deflate) with protobufjs and the
// official OTLP definitions (the generated root shipped by @opentelemetry/otlp-transformer
// 0.210.0, a dev dependency), and answers as a collector does: 200 with an
// ExportTraceServiceResponse body.
//
// Outage modes, to test exporters against a misbehaving backend:
//   'fail'    answer 500 (a non-retryable OTLP error)
//   'hang'    accept the request and never answer (until the mode changes)
//   'throttle'  answer 429 with Retry-After: 1 (a rate-limited collector)
//   'busy'      answer 503 with Retry-After: 1 (Phoenix when its span queue is full)
//   refuse()  stop listening: connections are refused until resume() (same port)

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export type AttributeValue = string | number | boolean | bigint | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedEvent {
  name: string;
  timeUnixNano: bigint;
  timeMs: number;
  attributes: Attributes;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind number (1 internal, 2 server, 3 client, ...). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** Epoch milliseconds (may carry a fraction). */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: ReceivedEvent[];
  /** Span links: related spans, possibly in other traces. */
  links: { traceId: string; spanId: string; attributes: Attributes }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | undefined };
  resource: Attributes;
  scope: { name: string; version: string | undefined };
  /** The ScopeSpans' schema_url (the semantic-conventions version the names follow), if sent. */
  scopeSchemaUrl: string | undefined;
}

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  contentEncoding: string | undefined;
  /** Size of the body on the wire (compressed when it was). */
  wireBytes: number;
  resources: Attributes[];
  spans: ReceivedSpan[];
}

export type ReceiverMode = 'ok' | 'fail' | 'hang' | 'throttle' | 'busy';

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/traces`. */
  readonly url: string;
  readonly port: number;
  /** Requests answered 200, decoded. */
  readonly requests: ReceivedRequest[];
  /** Every POST whose body arrived, whatever the answer (including hung ones). */
  readonly attempts: number;
  /** Date.now() of every POST whose body arrived, whatever the answer. */
  readonly attemptTimes: number[];
  /** Requests currently held open by 'hang'. */
  readonly hanging: number;
  /** All spans of all accepted requests, in arrival order. */
  spans(): ReceivedSpan[];
  setMode(mode: ReceiverMode): void;
  /** Stops listening and drops open connections: clients now get ECONNREFUSED. */
  refuse(): Promise<void>;
  /** Listens again on the same port, in mode 'ok'. */
  resume(): Promise<void>;
  /** Resolves once at least `count` spans have been received (rejects after timeoutMs). */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Resolves once at least `count` POSTs have arrived, whatever the answer. */
  waitForAttempts(count: number, timeoutMs?: number): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

// --- decoding -------------------------------------------------------------------------

interface ProtoType {
  decode(bytes: Uint8Array): unknown;
  encode(message: object): { finish(): Uint8Array };
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}

const require = createRequire(import.meta.url);
const root = require('otlp-proto-0210/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType; ExportTraceServiceResponse: ProtoType } } } } };
};
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

// protobufjs toObject output: longs as decimal strings (exact), bytes as hex via Buffer.
export interface PlainAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: PlainAnyValue[] };
  kvlistValue?: { values?: PlainKeyValue[] };
  bytesValue?: Uint8Array;
  value?: string;
}
export interface PlainKeyValue {
  key: string;
  value?: PlainAnyValue;
}
interface PlainSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: PlainKeyValue[];
  events?: { timeUnixNano?: string; name?: string; attributes?: PlainKeyValue[] }[];
  status?: { code?: number; message?: string };
  links?: { traceId?: Uint8Array; spanId?: Uint8Array; attributes?: PlainKeyValue[] }[];
}
interface PlainRequest {
  resourceSpans?: {
    resource?: { attributes?: PlainKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string }; schemaUrl?: string; spans?: PlainSpan[] }[];
  }[];
}

export function anyValue(v: PlainAnyValue | undefined): AttributeValue {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue': {
      // Number when exact, bigint otherwise: tests compare token counts as numbers.
      const big = BigInt(v.intValue ?? '0');
      return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'doubleValue':
      return v.doubleValue ?? 0;
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(anyValue);
    case 'kvlistValue':
      return attributes(v.kvlistValue?.values);
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('hex');
    default:
      return null;
  }
}

export function attributes(list: PlainKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');
const nanos = (value: string | undefined) => BigInt(value ?? '0');
// Exact to the microsecond: split before converting so 19-digit nanos never lose precision.
const toMs = (ns: bigint) => Number(ns / 1000n) / 1000;

export function decodeExportRequest(body: Uint8Array): { resources: Attributes[]; spans: ReceivedSpan[] } {
  const message = ExportTraceServiceRequest.decode(body);
  const plain = ExportTraceServiceRequest.toObject(message, { longs: String, enums: Number, oneofs: true, defaults: false, arrays: true }) as PlainRequest;
  const resources: Attributes[] = [];
  const spans: ReceivedSpan[] = [];
  for (const rs of plain.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    resources.push(resource);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version || undefined };
      for (const s of ss.spans ?? []) {
        const start = nanos(s.startTimeUnixNano);
        const end = nanos(s.endTimeUnixNano);
        const parent = hex(s.parentSpanId);
        spans.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: parent.length > 0 ? parent : undefined,
          name: s.name ?? '',
          kind: s.kind ?? 0,
          startTimeUnixNano: start,
          endTimeUnixNano: end,
          startMs: toMs(start),
          endMs: toMs(end),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => {
            const t = nanos(e.timeUnixNano);
            return { name: e.name ?? '', timeUnixNano: t, timeMs: toMs(t), attributes: attributes(e.attributes) };
          }),
          links: (s.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attributes(l.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
          resource,
          scope,
          scopeSchemaUrl: ss.schemaUrl || undefined,
        });
      }
    }
  }
  return { resources, spans };
}

export function decompress(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? 'identity').toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body);
    case 'deflate':
      // HTTP "deflate" is zlib-wrapped, but some clients send raw deflate.
      try {
        return inflateSync(body);
      } catch {
        return inflateRawSync(body);
      }
    case 'identity':
      return body;
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

// --- server ---------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let mode: ReceiverMode = 'ok';
  let attempts = 0;
  const attemptTimes: number[] = [];
  const requests: ReceivedRequest[] = [];
  const hung = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };

  const releaseHung = () => {
    // Like a collector restart: held requests are cut, the client sees a reset.
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/traces')) {
      res.writeHead(404).end();
      return;
    }
    const wire = await readBody(req);
    // Counted once the whole body is in, and after a hang took hold, so a waiter that wakes
    // up on it sees the request's final state.
    attempts++;
    attemptTimes.push(Date.now());
    if (mode === 'hang') {
      hung.add(res);
      res.on('close', () => hung.delete(res));
      notify();
      return;
    }
    notify();
    if (mode === 'fail') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver told to fail');
      return;
    }
    if (mode === 'throttle' || mode === 'busy') {
      res.writeHead(mode === 'throttle' ? 429 : 503, { 'content-type': 'text/plain', 'retry-after': '1' }).end(mode === 'busy' ? 'span queue is full' : 'rate limited');
      return;
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-protobuf')) {
      res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content-type ${type}`);
      return;
    }
    const encoding = req.headers['content-encoding'];
    let decoded: { resources: Attributes[]; spans: ReceivedSpan[] };
    try {
      decoded = decodeExportRequest(decompress(wire, encoding));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      return;
    }
    requests.push({ headers: req.headers, contentEncoding: encoding, wireBytes: wire.length, ...decoded });
    const body = ExportTraceServiceResponse.encode({}).finish();
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': body.length }).end(Buffer.from(body));
    notify();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  let listening = true;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      releaseHung();
      server.close(() => resolve());
      // Keep-alive connections would otherwise still reach the server after close().
      for (const s of sockets) s.destroy();
    });

  const allSpans = () => requests.flatMap((r) => r.spans);
  const waitFor = (done: () => boolean, what: () => string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`OTLP receiver: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      waiters.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    port,
    requests,
    get attempts() {
      return attempts;
    },
    attemptTimes,
    get hanging() {
      return hung.size;
    },
    spans: allSpans,
    setMode(next) {
      if (mode === 'hang' && next !== 'hang') releaseHung();
      mode = next;
    },
    refuse: stopListening,
    async resume() {
      mode = 'ok';
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    async waitForSpans(count, timeoutMs = 10_000) {
      await waitFor(() => allSpans().length >= count, () => `${count} spans (have ${allSpans().length})`, timeoutMs);
      return allSpans();
    },
    waitForAttempts(count, timeoutMs = 10_000) {
      return waitFor(() => attempts >= count, () => `${count} requests (have ${attempts})`, timeoutMs);
    },
    clear() {
      requests.length = 0;
    },
    close: stopListening,
  };
}

// --- display --------------------------------------------------------------------------

/**
 * The spans as an indented tree (children under their parent, by start time), one line per
 * span: name, duration, status, and the given attributes when present. For demos and test
 * failure messages.
 */
export function renderSpanTree(spans: readonly ReceivedSpan[], showAttributes: readonly string[] = []): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const s of spans) {
    // A span whose parent was not received is shown as a root, not lost.
    const parent = s.parentSpanId !== undefined && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  const lines: string[] = [];
  const status = (s: ReceivedSpan) => (s.status.code === 2 ? ` ERROR(${s.status.message ?? ''})` : s.status.code === 1 ? ' OK' : '');
  const walk = (parent: string | undefined, depth: number, seen: Set<string>) => {
    for (const s of children.get(parent) ?? []) {
      if (seen.has(s.spanId)) continue;
      seen.add(s.spanId);
      const extras = showAttributes
        .filter((k) => s.attributes[k] !== undefined)
        .map((k) => `${k}=${typeof s.attributes[k] === 'string' ? s.attributes[k] : JSON.stringify(s.attributes[k], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      const ms = Math.round((s.endMs - s.startMs) * 1000) / 1000;
      lines.push(`${'  '.repeat(depth)}${s.name} [${ms} ms]${status(s)}${extras.length > 0 ? `  ${extras.join(' ')}` : ''}`);
      walk(s.spanId, depth + 1, seen);
    }
  };
  walk(undefined, 0, new Set());
  return lines.join('\n');
}
