// The OTLP/gRPC counterpart of export-sync.ts, for process 'exit' (no event loop left): a child
// (export-sync-child.ts) makes one unary TraceService/Export call with @grpc/grpc-js.

import { fileURLToPath } from 'node:url';

import { runSyncChild } from './export-sync-child.ts';
import type { SyncExportResult, SyncExportTarget } from './export-sync-child.ts';
import { parseGrpcUrl } from './transport.ts';

export type SyncGrpcTarget = SyncExportTarget;

// Runs in the child: CommonJS, grpc-js loaded from the path the parent resolved (the child's
// own resolution would start from its cwd). Prints `ok` or `error <code> <details>`.
const CHILD = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const grpc = require(job.grpcPath);
  const pem = (s) => (typeof s === 'string' ? Buffer.from(s) : null);
  const creds = job.tls ? grpc.credentials.createSsl(pem(job.tls.ca), pem(job.tls.key), pem(job.tls.cert)) : grpc.credentials.createInsecure();
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

/** Sends one already-encoded ExportTraceServiceRequest (the queue's stored bytes), synchronously. */
export function exportSyncGrpcBytes(raw: Uint8Array, target: SyncGrpcTarget): SyncExportResult {
  let url: URL;
  try {
    url = parseGrpcUrl(target.url);
    // ESM resolution of a declared dependency works where OpenClaw's captured plugin copy
    // makes require.resolve fail.
    grpcPath ??= fileURLToPath(import.meta.resolve('@grpc/grpc-js'));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const job = {
    grpcPath,
    host: url.host,
    // https: TLS with the endpoint's CA and client certificate (system roots without a CA).
    tls: url.protocol === 'https:' ? (target.tls ?? {}) : undefined,
    headers: target.headers,
    gzip: target.compression === 'gzip',
    timeoutMs: target.timeoutMillis,
    body: Buffer.from(raw).toString('base64'),
  };
  // Child start-up (grpc-js is larger than node:http) plus the call, bounded by its deadline.
  return runSyncChild(CHILD, job, target.timeoutMillis, 2000, (out) => (out === 'ok' ? { ok: true } : { ok: false, error: `gRPC ${out}` }));
}
