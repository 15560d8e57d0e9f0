// TLS from the config: `certificate` (a CA), `client_certificate` / `client_key` (mutual TLS),
// or the OTEL_EXPORTER_OTLP_[<SIGNAL>_]{CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY} files, for
// traces, metrics and logs over gRPC and traces over HTTPS, against real TLS servers on
// 127.0.0.1 with self-signed certificates.

import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../src/config/load.ts';
import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { createLogsSink } from '../../../../src/outputs/logs/sink.ts';
import { createMetricsSink } from '../../../../src/outputs/metrics/sink.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { targetOf } from '../../../../src/outputs/otlp/transport.ts';
import { decodeExportRequest } from '../../../support/otlp-receiver.ts';
import { startOtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import { selfSignedCert } from '../../../support/self-signed.ts';
import { run, session } from '../metrics/runs.ts';
import { TREE_SPAN_COUNT, buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const server = selfSignedCert();
const client = selfSignedCert();
const stranger = selfSignedCert();

/** The PEMs as files, the way a user configures them. */
function pemFiles(): Record<'ca' | 'wrongCa' | 'cert' | 'key', string> {
  const dir = mkdtempSync(join(tmpdir(), 'nemo-relay-tls-files-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  return { ca: write('ca.pem', server.cert), wrongCa: write('wrong.pem', stranger.cert), cert: write('client.pem', client.cert), key: write('client.key', client.key) };
}

async function grpcCollector(mutual: boolean) {
  const g = await startOtlpGrpcReceiver({ tls: { ...server, ...(mutual ? { clientCa: client.cert } : {}) } });
  cleanup.push(() => g.close());
  return g;
}

const v4 = (endpoint: Record<string, unknown>) => ({
  plugins: {
    components: [
      {
        kind: 'observability',
        config: {
          version: 4,
          opentelemetry: {
            enabled: true,
            endpoints: [{ type: 'gen_ai', transport: 'grpc', ...endpoint }],
            metrics: { enabled: true, endpoints: [{ transport: 'grpc', ...endpoint }] },
            logs: { enabled: true, endpoints: [{ transport: 'grpc', ...endpoint }] },
          },
        },
      },
    ],
  },
});

function traceSink(config: OtlpOutputConfig) {
  const sink = createOtlpOutputSink({ ...config, maxExportBatchSize: 512, scheduledDelayMillis: 20, timeoutMillis: 5000 }, { shutdownTimeoutMillis: 300, backoff: { initialMs: 50, maxMs: 100 } });
  cleanup.push(() => sink.shutdown());
  exportTree(sink, buildTree());
  return sink;
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TLS material from the config', () => {
  it('reads the endpoint fields, else the signal variable, else the generic one; an unreadable file switches only that output off', () => {
    const f = pemFiles();
    const own = loadConfig(v4({ endpoint: 'https://127.0.0.1:1', certificate: f.ca, client_certificate: f.cert, client_key: f.key }), {});
    expect(own.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(own.config.otlp[0]!.tls).toEqual({ ca: server.cert, cert: client.cert, key: client.key });
    expect(own.config.metrics!.endpoints[0]!.tls).toEqual({ ca: server.cert, cert: client.cert, key: client.key });
    expect(own.config.logs!.endpoints[0]!.tls?.ca).toBe(server.cert);

    const env = { OTEL_EXPORTER_OTLP_CERTIFICATE: f.wrongCa, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: f.ca, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: f.cert, OTEL_EXPORTER_OTLP_CLIENT_KEY: f.key };
    const fromEnv = loadConfig(v4({ endpoint: 'https://127.0.0.1:1' }), env).config;
    expect(fromEnv.otlp[0]!.tls).toEqual({ ca: server.cert, cert: client.cert, key: client.key });
    expect(fromEnv.metrics!.endpoints[0]!.tls?.ca).toBe(stranger.cert);

    const broken = loadConfig(v4({ endpoint: 'https://127.0.0.1:1', certificate: join(tmpdir(), 'no-such-ca.pem') }), {});
    expect(broken.config.otlp[0]).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/certificate .*no-such-ca\.pem cannot be read \(ENOENT\)/) });
    expect(broken.issues).toContainEqual(expect.objectContaining({ path: '/plugins/components/0/config/opentelemetry/endpoints/0/certificate', severity: 'error' }));

    const half = loadConfig(v4({ endpoint: 'https://127.0.0.1:1', client_certificate: f.cert }), {});
    expect(half.config.otlp[0]).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/client_certificate is set without client_key/) });
  });
});

describe('traces over gRPC with TLS', () => {
  it('the right CA delivers; a wrong CA fails, counted, degraded with the reason in status', async () => {
    const g = await grpcCollector(false);
    const f = pemFiles();
    const good = loadConfig(v4({ endpoint: g.url, certificate: f.ca }), {}).config.otlp[0]!;
    const sink = traceSink(good);
    await sink.flush();
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);
    expect(sink.health()).toMatchObject({ state: 'ok', exported: TREE_SPAN_COUNT, failures: 0 });

    const wrong = loadConfig(v4({ endpoint: g.url, certificate: f.wrongCa }), {}).config.otlp[0]!;
    const refused = traceSink(wrong);
    await eventually(() => refused.health().failures > 0);
    const h = refused.health();
    expect(h.state).toBe('degraded');
    expect(h.exported).toBe(0);
    expect(h.lastError?.message).toMatch(/UNAVAILABLE.*certificate/);
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);
  });

  it('mutual TLS: a collector that requires a client certificate accepts ours, refuses none', async () => {
    const g = await grpcCollector(true);
    const f = pemFiles();
    const sink = traceSink(loadConfig(v4({ endpoint: g.url, certificate: f.ca, client_certificate: f.cert, client_key: f.key }), {}).config.otlp[0]!);
    await sink.flush();
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);

    const anonymous = traceSink(loadConfig(v4({ endpoint: g.url, certificate: f.ca }), {}).config.otlp[0]!);
    await eventually(() => anonymous.health().failures > 0);
    expect(anonymous.health().state).toBe('degraded');
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);
  });

  // The sync export blocks its process: the collector must live in another one (this test's).
  it.skipIf(!(process.features as { typescript?: unknown }).typescript)('the synchronous exit flush uses the same TLS material', async () => {
    const g = await grpcCollector(true);
    const { spawn } = await import('node:child_process');
    const script = new URL('./exit-flush-grpc-child.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, g.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EXIT_FLUSH_TLS: JSON.stringify({ ca: server.cert, cert: client.cert, key: client.key }) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise<number | null>((resolve) => child.on('close', resolve)), err).toBe(0);
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);
    expect(JSON.parse(out)).toMatchObject({ exported: TREE_SPAN_COUNT, failures: 0 });
  }, 20_000);
});

describe('metrics and logs over gRPC with mutual TLS', () => {
  it('deliver to a collector that requires our client certificate', async () => {
    const g = await grpcCollector(true);
    const f = pemFiles();
    const config = loadConfig(v4({ endpoint: g.url, certificate: f.ca, client_certificate: f.cert, client_key: f.key }), {}).config;
    const metrics = createMetricsSink({ enabled: true, endpoints: config.metrics!.endpoints.map((e) => targetOf(e)), exportIntervalMillis: 60_000, temporality: 'cumulative', serviceName: 'tls-test' });
    cleanup.push(() => metrics.shutdown());
    const logs = createLogsSink({ enabled: true, endpoints: config.logs!.endpoints.map((e) => targetOf(e)), maxQueueSize: 100, maxExportBatchSize: 100, scheduledDelayMillis: 20, serviceName: 'tls-test' });
    cleanup.push(() => logs.shutdown());
    const s = session('main', 1);
    const r = run(s, [{ input: 10, output: 5, durationMs: 100 }], { marks: [{ name: 'usage.mismatch', time: Date.now(), severity: 'warning', message: 'tls' }] });
    metrics.runEnded(s, r);
    logs.runEnded(s, r);
    await metrics.flush();
    await logs.flush();
    await g.waitFor(() => g.metrics.length > 0 && g.logs.length > 0);
    expect(g.metrics[0]!.items.some((m) => m.name === 'gen_ai.client.token.usage')).toBe(true);
    expect(g.logs.flatMap((c) => c.items).some((l) => l.eventName === 'usage.mismatch')).toBe(true);
    expect(metrics.health().state).toBe('ok');
  });
});

describe('traces over HTTPS', () => {
  it('trusts the configured CA and presents the client certificate', async () => {
    let bodies = 0;
    const spans = new Set<string>();
    const https = createServer({ cert: server.cert, key: server.key, ca: client.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies++;
        // At-least-once: a retry after a slow answer may repeat a request, so count distinct spans.
        for (const span of decodeExportRequest(Buffer.concat(chunks)).spans) spans.add(span.spanId);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => https.close(resolve)));
    https.on('connection', (socket) => cleanup.push(() => socket.destroy()));
    const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/v1/traces`;
    const f = pemFiles();
    const config = loadConfig({ plugins: { components: [{ kind: 'observability', config: { version: 3, opentelemetry: { enabled: true, endpoints: [{ type: 'gen_ai', endpoint: url, compression: 'none', certificate: f.ca, client_certificate: f.cert, client_key: f.key }] } } }] } }, {}).config.otlp[0]!;
    const sink = traceSink(config);
    await sink.flush();
    expect(spans.size).toBe(TREE_SPAN_COUNT);
    expect(bodies).toBeGreaterThan(0);

    const noCa = traceSink({ ...otlpConfig(url), compression: 'none' });
    await eventually(() => noCa.health().failures > 0);
    expect(noCa.health().lastError?.message).toMatch(/self[- ]signed|certificate/i);
    expect(spans.size).toBe(TREE_SPAN_COUNT);
  });
});
