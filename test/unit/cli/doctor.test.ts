// Doctor probes against real sockets on 127.0.0.1: a collector that accepts, one behind auth,
// a closed port, a plain-HTTP server addressed as https, and real directories.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAtifDirectory, checkConversationAccess, checkNode, checkOpenClaw, checkOtlpEndpoint, compareVersions } from '../../../src/cli/doctor-checks.ts';
import { doctorCommand } from '../../../src/cli/doctor-command.ts';
import type { OtlpOutputConfig } from '../../../src/config/types.ts';

let server: Server;
let base = '';
const seen: { url?: string; auth?: string; type?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'] });
    req.resume();
    req.on('end', () => {
      if (req.url === '/secure/v1/traces' && req.headers.authorization !== 'Bearer good') return void res.writeHead(401).end('unauthorized');
      if (req.url?.endsWith('/v1/traces')) return void res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const otlp = (endpoint: string, headers: Record<string, string> = {}): OtlpOutputConfig => ({
  name: 'opentelemetry', projection: 'gen_ai', enabled: true, endpoint, transport: 'http_binary', headers, serviceName: 's', resourceAttributes: {},
  timeoutMillis: 1000, compression: 'none', maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 100,
});

describe('endpoint probes', () => {
  it('ok for a collector; 401 is an auth failure with the headers fix; the probe sends the configured headers', async () => {
    expect((await checkOtlpEndpoint(otlp(`${base}/v1/traces`))).verdict).toBe('ok');
    const refused = await checkOtlpEndpoint(otlp(`${base}/secure/v1/traces`, { authorization: 'Bearer bad' }));
    expect(refused).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('HTTP 401') });
    expect(refused.fix).toContain('headers');
    expect((await checkOtlpEndpoint(otlp(`${base}/secure/v1/traces`, { authorization: 'Bearer good' }))).verdict).toBe('ok');
    expect(seen.at(-1)).toMatchObject({ auth: 'Bearer good', type: 'application/x-protobuf' });
  });

  it('a wrong path, a closed port and TLS against plain HTTP each get their own fix', async () => {
    const wrongPath = await checkOtlpEndpoint(otlp(`${base}/v1/metrics`));
    expect(wrongPath).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('HTTP 404') });
    expect(wrongPath.fix).toContain('/v1/traces');
    const port = await closedPort();
    const refused = await checkOtlpEndpoint(otlp(`http://127.0.0.1:${port}/v1/traces`));
    expect(refused).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('ECONNREFUSED') });
    expect(refused.fix).toContain(`127.0.0.1:${port}`);
    const tls = await checkOtlpEndpoint(otlp(`${base.replace('http:', 'https:')}/v1/traces`));
    expect(tls).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(/^TLS failed/) });
  });
});

describe('local checks', () => {
  it('ATIF directory: creatable, writable with free space; a file in the way or no permission fails', () => {
    const root = mkdtempSync(join(tmpdir(), 'nr-doctor-'));
    expect(checkAtifDirectory(join(root, 'a', 'b'))).toMatchObject({ verdict: 'ok', detail: expect.stringMatching(/writable, \d+ MiB free/) });
    writeFileSync(join(root, 'file'), 'x');
    expect(checkAtifDirectory(join(root, 'file')).verdict).toBe('fail');
    if (process.getuid?.() !== 0) {
      const locked = join(root, 'locked');
      checkAtifDirectory(locked);
      chmodSync(locked, 0o500);
      expect(checkAtifDirectory(locked)).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('writable') });
    }
  });

  it('versions and conversation access', () => {
    expect(checkNode('v20.20.2').verdict).toBe('fail');
    expect(checkNode('v24.21.0').verdict).toBe('ok');
    expect(checkNode('v25.0.0').verdict).toBe('fail');
    expect(checkOpenClaw('2026.9.6').verdict).toBe('ok');
    expect(checkOpenClaw('2026.8.30').verdict).toBe('fail');
    expect(compareVersions('2026.10.1', '2026.9.6')).toBeGreaterThan(0);
    expect(checkConversationAccess(true, 'granted').verdict).toBe('ok');
    expect(checkConversationAccess(true, 'blocked').fix).toContain('allowConversationAccess');
    expect(checkConversationAccess(undefined, undefined).verdict).toBe('fail');
  });
});

describe('doctor command', () => {
  it('reports each problem with its fix and exits 1; exits 0 when everything works', async () => {
    const port = await closedPort();
    const atif = mkdtempSync(join(tmpdir(), 'nr-doctor-ok-'));
    const entry = (endpoint: string, access: boolean) => ({
      plugins: { entries: { 'nemo-relay': { enabled: true, hooks: { allowConversationAccess: access }, config: {
        plugins: { version: 1, components: [{ kind: 'observability', config: { version: 1,
          atif: { enabled: true, output_directory: atif },
          opentelemetry: { enabled: true, transport: 'http_binary', endpoint } } }] } } } } },
    });
    const down = async () => Promise.reject(new Error('connect ECONNREFUSED'));
    const io = { stdout: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stdout += t) };
    const bad = doctorCommand({ config: entry(`http://127.0.0.1:${port}/v1/traces`, false), call: down, openclawVersion: '2026.9.6' });
    expect(await bad.run([], io)).toBe(1);
    expect(io.stdout).toMatch(new RegExp(`FAIL opentelemetry http://127.0.0.1:${port}/v1/traces: connection refused`));
    expect(io.stdout).toContain(`fix: start the collector on 127.0.0.1:${port}`);
    expect(io.stdout).toContain('FAIL conversation access');
    expect(io.stdout).toContain('WARN gateway');
    expect(io.stdout).toMatch(/ok   atif directory .*writable/);
    expect(io.stdout).toContain('2 problem(s) to fix');

    const good = doctorCommand({ config: entry(`${base}/v1/traces`, true), call: async () => ({ state: 'ready', openclaw: { version: '2026.9.6' }, hooks: { conversationAccess: { observed: 'granted' } } }) });
    const json = { stdout: '', out: (t: string) => void (json.stdout += t), err: (t: string) => void (json.stdout += t) };
    expect(await good.run(['--json'], json)).toBe(0);
    const report = JSON.parse(json.stdout) as { ok: boolean; findings: { check: string; verdict: string }[] };
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => f.check)).toEqual(expect.arrayContaining(['node', 'gateway', 'openclaw', 'conversation access', `opentelemetry ${base}/v1/traces`]));
  });
});
