// A synchronous, bounded OTLP/HTTP export for process 'exit', where no event loop is left
// (an embedded `openclaw agent --local` run may exit without awaiting the async flush).
// Node has no synchronous HTTP client: a child POSTs the bytes (export-sync-child.ts).

import { gzipSync } from 'node:zlib';

import { runSyncChild } from './export-sync-child.ts';
import type { SyncExportResult, SyncExportTarget } from './export-sync-child.ts';

export type { SyncExportResult, SyncExportTarget } from './export-sync-child.ts';

// Runs in the child: CommonJS, Node built-ins only. Prints the HTTP status or `error <code>`.
const CHILD = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const job = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const url = new URL(job.url);
  const body = Buffer.from(job.body, 'base64');
  const headers = { ...job.headers, 'content-type': 'application/x-protobuf', 'content-length': String(body.length) };
  if (job.gzip) headers['content-encoding'] = 'gzip';
  const mod = require(url.protocol === 'https:' ? 'node:https' : 'node:http');
  const req = mod.request(url, { method: 'POST', headers, timeout: job.timeoutMs, ...job.tls }, (res) => {
    res.resume();
    res.on('end', () => process.stdout.write(String(res.statusCode)));
  });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
  req.on('error', (e) => process.stdout.write('error ' + (e.code || e.message)));
  req.end(body);
});
`;

/** Posts one encoded ExportTraceServiceRequest, synchronously. */
export function exportSyncBytes(raw: Uint8Array, target: SyncExportTarget): SyncExportResult {
  const body = target.compression === 'gzip' ? gzipSync(raw) : Buffer.from(raw);
  const job = {
    url: target.url,
    headers: target.headers,
    gzip: target.compression === 'gzip',
    timeoutMs: target.timeoutMillis,
    // node:https request options take ca / cert / key as they are.
    tls: target.tls ?? {},
    body: body.toString('base64'),
  };
  return runSyncChild(CHILD, job, target.timeoutMillis, 1000, (out) => {
    if (/^2\d\d$/.test(out)) return { ok: true };
    if (/^\d{3}$/.test(out)) return { ok: false, error: `HTTP ${out}` };
    return { ok: false, error: out };
  });
}
