// A synchronous, bounded OTLP/HTTP export for process 'exit', where no event loop is left
// (an embedded `openclaw agent --local` run may exit without awaiting the async flush).
//
// Node has no synchronous HTTP client, so the encoded request is handed to a short-lived
// child process over stdin (headers too:
// never on the command line, where `ps` would show them), which POSTs them and prints the
// status. spawnSync bounds the whole thing.

import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';


export interface SyncExportTarget {
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
}

export type SyncExportResult = { ok: true } | { ok: false; error: string };

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
  const req = mod.request(url, { method: 'POST', headers, timeout: job.timeoutMs }, (res) => {
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
  try {
    const body = target.compression === 'gzip' ? gzipSync(raw) : Buffer.from(raw);
    const job = JSON.stringify({
      url: target.url,
      headers: target.headers,
      gzip: target.compression === 'gzip',
      timeoutMs: target.timeoutMillis,
      body: body.toString('base64'),
    });
    // The child must not inherit loaders or inspectors meant for the gateway.
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const child = spawnSync(process.execPath, ['-e', CHILD], {
      input: job,
      encoding: 'utf8',
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
      // Child start-up plus the request; the request itself is bounded by timeoutMillis.
      timeout: target.timeoutMillis + 1000,
      windowsHide: true,
    });
    if (child.error) return { ok: false, error: `sync export: ${child.error.message}` };
    const out = (child.stdout ?? '').trim();
    if (/^2\d\d$/.test(out)) return { ok: true };
    if (/^\d{3}$/.test(out)) return { ok: false, error: `HTTP ${out}` };
    return { ok: false, error: out.length > 0 ? out : `sync export exited with ${child.status ?? child.signal}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
