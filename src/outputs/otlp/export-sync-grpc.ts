// The OTLP/gRPC counterpart of export-sync.ts, for process 'exit' (no event loop left): the
// spans are serialized here with the exporters' own protobuf serializer and handed over stdin
// (headers too: never on the command line) to a short-lived child that makes one unary
// TraceService/Export call with @grpc/grpc-js. spawnSync bounds the whole thing.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

import type { SyncExportResult } from './export-sync.ts';
import { parseGrpcUrl } from './transport.ts';

export interface SyncGrpcTarget {
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
}

// Runs in the child: CommonJS, grpc-js loaded from the path the parent resolved (the child's
// own resolution would start from its cwd). Prints `ok` or `error <code> <details>`.
const CHILD = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const grpc = require(job.grpcPath);
  const creds = job.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  const client = new grpc.Client(job.host, creds, { 'grpc.default_compression_algorithm': job.gzip ? 2 : 0 });
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(job.headers)) metadata.set(k.toLowerCase(), v);
  const id = (x) => x;
  client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', id, id,
    Buffer.from(job.body, 'base64'), metadata, { deadline: Date.now() + job.timeoutMs }, (err) => {
      process.stdout.write(err ? 'error ' + err.code + ' ' + (err.details || '') : 'ok');
      client.close();
      process.exit(0);
    });
});
`;

let grpcPath: string | undefined;

export function exportSyncGrpc(spans: ReadableSpan[], target: SyncGrpcTarget): SyncExportResult {
  const raw = ProtobufTraceSerializer.serializeRequest(spans);
  if (!raw) return { ok: false, error: 'nothing to send' };
  return exportSyncGrpcBytes(raw, target);
}

/** Sends one already-encoded ExportTraceServiceRequest (the queue's stored bytes), synchronously. */
export function exportSyncGrpcBytes(raw: Uint8Array, target: SyncGrpcTarget): SyncExportResult {
  try {
    const url = parseGrpcUrl(target.url);
    // ESM resolution of a declared dependency works where OpenClaw's captured plugin copy
    // makes require.resolve fail.
    grpcPath ??= fileURLToPath(import.meta.resolve('@grpc/grpc-js'));
    const job = JSON.stringify({
      grpcPath,
      host: url.host,
      tls: url.protocol === 'https:',
      headers: target.headers,
      gzip: target.compression === 'gzip',
      timeoutMs: target.timeoutMillis,
      body: Buffer.from(raw).toString('base64'),
    });
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const child = spawnSync(process.execPath, ['-e', CHILD], {
      input: job,
      encoding: 'utf8',
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
      // Child start-up (grpc-js is larger than node:http) plus the call, bounded by its deadline.
      timeout: target.timeoutMillis + 2000,
      windowsHide: true,
    });
    if (child.error) return { ok: false, error: `sync export: ${child.error.message}` };
    const out = (child.stdout ?? '').trim();
    if (out === 'ok') return { ok: true };
    return { ok: false, error: out.length > 0 ? `gRPC ${out}` : `sync export exited with ${child.status ?? child.signal}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
