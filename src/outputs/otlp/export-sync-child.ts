// What the two synchronous exports (export-sync.ts over HTTP, export-sync-grpc.ts over gRPC)
// share: process 'exit' leaves no event loop, so one encoded request is handed to a
// short-lived child process that sends it and prints the outcome, all bounded by spawnSync.
// The job goes over stdin, never on the command line where `ps` would show headers and keys.

import { spawnSync } from 'node:child_process';

import type { OtlpTlsOptions } from './transport.ts';

export interface SyncExportTarget {
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
  /** https only: the endpoint's CA and client certificate, as the async transports use them. */
  tls?: OtlpTlsOptions;
}

export type SyncExportResult = { ok: true } | { ok: false; error: string };

/**
 * Runs `source` (CommonJS, reads one JSON job from stdin, prints one line) in a child and turns
 * what it printed into a result with `interpret`. `startupMs`: the child's own start-up on top of
 * the request's timeout.
 */
export function runSyncChild(source: string, job: object, timeoutMillis: number, startupMs: number, interpret: (out: string) => SyncExportResult): SyncExportResult {
  try {
    // The child must not inherit loaders or inspectors meant for the gateway.
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    const child = spawnSync(process.execPath, ['-e', source], {
      input: JSON.stringify(job),
      encoding: 'utf8',
      env,
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: timeoutMillis + startupMs,
      windowsHide: true,
    });
    if (child.error) return { ok: false, error: `sync export: ${child.error.message}` };
    const out = (child.stdout ?? '').trim();
    return out.length > 0 ? interpret(out) : { ok: false, error: `sync export exited with ${child.status ?? child.signal}` };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
