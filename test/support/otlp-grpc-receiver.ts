// A real OTLP/gRPC collector for tests: @grpc/grpc-js on 127.0.0.1 (random port) serving
// TraceService/Export, MetricsService/Export and LogsService/Export. Request bytes are decoded
// with the official OTLP definitions (see otlp-receiver.ts / otlp-signals.ts), so the tests
// check what a collector would really see; gzip is undone by grpc-js itself.
//
// Failure modes: `failWith(status.UNAVAILABLE)` answers every call with that status until
// `failWith(undefined)` (with `{ retryDelayMs }`, the status details carry a google.rpc.RetryInfo,
// as a throttling collector sends); `stop()` closes the port (connections refused) until `restart()`.

import { Metadata as GrpcMetadata, Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { Metadata, ServerUnaryCall, sendUnaryData, ServiceDefinition } from '@grpc/grpc-js';

import { decodeExportRequest } from './otlp-receiver.ts';
import type { ReceivedSpan } from './otlp-receiver.ts';
import { decodeLogsRequest, decodeMetricsRequest } from './otlp-signals.ts';
import type { ReceivedLog, ReceivedMetric } from './otlp-signals.ts';

export { status as GrpcStatus };

export interface GrpcCall<T> {
  metadata: Record<string, string>;
  items: T[];
}

export interface OtlpGrpcReceiver {
  /** `http://127.0.0.1:<port>` (or https with `tls`). */
  readonly url: string;
  readonly port: number;
  readonly traces: GrpcCall<ReceivedSpan>[];
  readonly metrics: GrpcCall<ReceivedMetric>[];
  readonly logs: GrpcCall<ReceivedLog>[];
  /** Every call that arrived, whatever the answer. */
  readonly attempts: number;
  spans(): ReceivedSpan[];
  failWith(code: number | undefined, opts?: { retryDelayMs?: number }): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const raw = (b: Buffer) => b;

function service(signal: 'trace' | 'metrics' | 'logs', name: string): ServiceDefinition {
  return {
    Export: {
      path: `/opentelemetry.proto.collector.${signal}.v1.${name}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      // An empty message is a valid Export*ServiceResponse (every field optional).
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  };
}

function plainMetadata(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.getMap())) out[k] = Buffer.isBuffer(v) ? v.toString('hex') : String(v);
  return out;
}

/** `tls.clientCa`: mutual TLS, every client must present a certificate this CA signed. */
export async function startOtlpGrpcReceiver(opts: { tls?: { cert: string; key: string; clientCa?: string } } = {}): Promise<OtlpGrpcReceiver> {
  const traces: GrpcCall<ReceivedSpan>[] = [];
  const metrics: GrpcCall<ReceivedMetric>[] = [];
  const logs: GrpcCall<ReceivedLog>[] = [];
  let attempts = 0;
  let failCode: number | undefined;
  let failTrailer: GrpcMetadata | undefined;
  let server: Server | undefined;
  let port = 0;

  const handler =
    <T>(store: GrpcCall<T>[], decode: (b: Buffer) => T[]) =>
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      attempts++;
      if (failCode !== undefined) {
        callback({ code: failCode, details: `test receiver answers ${status[failCode]}`, ...(failTrailer ? { metadata: failTrailer } : {}) });
        return;
      }
      try {
        store.push({ metadata: plainMetadata(call.metadata), items: decode(call.request) });
        callback(null, Buffer.alloc(0));
      } catch (error) {
        callback({ code: status.INVALID_ARGUMENT, details: String(error) });
      }
    };

  const listen = async (): Promise<void> => {
    const s = new Server();
    s.addService(service('trace', 'TraceService'), { Export: handler(traces, (b) => decodeExportRequest(b).spans) });
    s.addService(service('metrics', 'MetricsService'), { Export: handler(metrics, decodeMetricsRequest) });
    s.addService(service('logs', 'LogsService'), { Export: handler(logs, decodeLogsRequest) });
    const creds = opts.tls
      ? ServerCredentials.createSsl(
          opts.tls.clientCa !== undefined ? Buffer.from(opts.tls.clientCa) : null,
          [{ cert_chain: Buffer.from(opts.tls.cert), private_key: Buffer.from(opts.tls.key) }],
          opts.tls.clientCa !== undefined,
        )
      : ServerCredentials.createInsecure();
    port = await new Promise<number>((resolve, reject) =>
      s.bindAsync(`127.0.0.1:${port}`, creds, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    server = s;
  };
  await listen();

  const receiver: OtlpGrpcReceiver = {
    get url() {
      return `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    traces,
    metrics,
    logs,
    get attempts() {
      return attempts;
    },
    spans: () => traces.flatMap((c) => c.items),
    failWith(code, opts = {}) {
      failCode = code;
      failTrailer = code !== undefined && opts.retryDelayMs !== undefined ? retryInfoTrailer(code, opts.retryDelayMs) : undefined;
    },
    async stop() {
      server?.forceShutdown();
      server = undefined;
    },
    async restart() {
      if (!server) await listen();
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`gRPC receiver: condition not met within ${timeoutMs} ms (attempts ${attempts})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      server?.forceShutdown();
      server = undefined;
    },
  };
  return receiver;
}

// --- google.rpc.Status with a RetryInfo, hand-encoded (protobuf wire format) ---------------

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const lengthDelimited = (field: number, body: Buffer) => Buffer.concat([varint(field * 8 + 2), varint(body.length), body]);
const varintField = (field: number, n: number) => Buffer.concat([varint(field * 8), varint(n)]);

function retryInfoTrailer(code: number, delayMs: number): GrpcMetadata {
  const duration = Buffer.concat([varintField(1, Math.floor(delayMs / 1000)), varintField(2, (delayMs % 1000) * 1_000_000)]);
  const retryInfo = lengthDelimited(1, duration);
  const any = Buffer.concat([lengthDelimited(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), lengthDelimited(2, retryInfo)]);
  const statusMessage = Buffer.concat([varintField(1, code), lengthDelimited(2, Buffer.from('throttled')), lengthDelimited(3, any)]);
  const metadata = new GrpcMetadata();
  metadata.set('grpc-status-details-bin', statusMessage);
  return metadata;
}
