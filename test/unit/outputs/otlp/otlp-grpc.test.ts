// OTLP traces over gRPC against a real grpc-js collector: the same spans as over HTTP,
// headers as metadata, TLS, and a collector that fails, refuses or comes back: counted in
// health, never thrown at the caller.

import { afterEach, describe, expect, it } from 'vitest';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { genAiProjection } from '../../../../src/outputs/otlp/gen-ai/gen-ai-projection.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { toReadableSpan } from '../../../../src/outputs/otlp/readable-span.ts';
import { SpanIds, planRun } from '../../../../src/outputs/otlp/span-plan.ts';
import type { TraceSink } from '../../../../src/fanout/sink.ts';
import { createGrpcTransport } from '../../../../src/outputs/otlp/grpc-transport.ts';
import { encodeTraceRequest } from '../../../../src/outputs/otlp/span-encoder.ts';
import type { Run, Session } from '../../../../src/trace/model.ts';
import { GrpcStatus, startOtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import type { OtlpGrpcReceiver } from '../../../support/otlp-grpc-receiver.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { ReceivedSpan } from '../../../support/otlp-receiver.ts';
import { selfSignedCert } from '../../../support/self-signed.ts';
import { IDS, TRACE_ID, TREE_SPAN_COUNT, bareSession, buildTree, exportTree, otlpConfig, simpleRun } from './session-fixture.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function grpcReceiver(opts: Parameters<typeof startOtlpGrpcReceiver>[0] = {}): Promise<OtlpGrpcReceiver> {
  const r = await startOtlpGrpcReceiver(opts);
  cleanup.push(() => r.close());
  return r;
}

function grpcSink(url: string, overrides: Partial<OtlpOutputConfig> = {}): TraceSink {
  const config = { ...otlpConfig(url, overrides), transport: 'grpc' } as OtlpOutputConfig;
  // Short retry pacing: a refused request is retried (not lost) once the collector is back.
  const s = createOtlpOutputSink(config, { shutdownTimeoutMillis: 500, backoff: { initialMs: 50, maxMs: 200 } });
  cleanup.push(() => s.shutdown());
  return s;
}

let runCounter = 0;
const nextRun = (session: Session): Run => simpleRun(session, ++runCounter);

const byId = (a: ReceivedSpan, b: ReceivedSpan) => a.spanId.localeCompare(b.spanId);

describe('OTLP/gRPC trace export', () => {
  it('delivers the same spans, ids, parents, attributes and events as OTLP/HTTP', async () => {
    const g = await grpcReceiver();
    const h = await startOtlpReceiver();
    cleanup.push(() => h.close());
    const viaGrpc = grpcSink(g.url);
    const viaHttp = createOtlpOutputSink(otlpConfig(h.url));
    cleanup.push(() => viaHttp.shutdown());

    const tree = buildTree();
    exportTree(viaGrpc, tree);
    exportTree(viaHttp, tree);
    await viaGrpc.flush();
    await viaHttp.flush();

    const grpcSpans = g.spans().sort(byId);
    const httpSpans = (await h.waitForSpans(TREE_SPAN_COUNT)).slice().sort(byId);
    expect(grpcSpans).toHaveLength(TREE_SPAN_COUNT);
    expect(grpcSpans).toEqual(httpSpans);

    // And against the model itself, not only against the other transport.
    const byModelId = new Map(grpcSpans.map((s) => [s.spanId, s]));
    expect(new Set(grpcSpans.map((s) => s.traceId))).toEqual(new Set([TRACE_ID]));
    expect(byModelId.get(IDS.call1)?.parentSpanId).toBe(IDS.run1);
    expect(byModelId.get(IDS.toolRead)?.parentSpanId).toBe(IDS.call1);
    expect(byModelId.get(IDS.run1)?.parentSpanId).toBe(IDS.rootSession);
    expect(byModelId.get(IDS.childSession)?.parentSpanId).toBe(IDS.toolSpawn);
    expect(byModelId.get(IDS.call1)?.attributes['openclaw.model_call.id']).toBe(tree.call1.callId);
    expect(byModelId.get(IDS.call1)?.attributes['gen_ai.usage.output_tokens']).toBe(tree.call1.usage?.output);

    const health = viaGrpc.health();
    expect(health).toMatchObject({ state: 'ok', exported: TREE_SPAN_COUNT, failures: 0, dropped: 0 });
    expect(health.details?.['transport']).toBe('grpc');
  });

  it('sends headers as gRPC metadata, gzip-compressed or not', async () => {
    for (const compression of ['gzip', 'none'] as const) {
      const g = await grpcReceiver();
      const sink = grpcSink(g.url, { compression, headers: { Authorization: 'Bearer grpc-secret', 'x-tenant': 'acme' } });
      const session = bareSession();
      sink.runEnded(session, nextRun(session));
      await sink.flush();
      expect(g.traces).toHaveLength(1);
      expect(g.traces[0]?.metadata).toMatchObject({ authorization: 'Bearer grpc-secret', 'x-tenant': 'acme' });
      expect(g.traces[0]?.items).toHaveLength(2);
      // The secret never reaches health.
      expect(JSON.stringify(sink.health())).not.toContain('grpc-secret');
    }
  });

  it('exports over TLS to a collector whose CA it trusts, and counts a failed handshake', async () => {
    const tls = selfSignedCert();
    const g = await grpcReceiver({ tls });
    expect(g.url.startsWith('https://')).toBe(true);
    const target = { transport: 'grpc', url: g.url, headers: {}, timeoutMillis: 1500, compression: 'none' } as const;
    const session = bareSession();
    const run = nextRun(session);
    const spans = readableSpans(session, run);
    // The queue's own transport, sending the queue's own encoding.
    const request = encodeTraceRequest(spans);
    const trusted = createGrpcTransport({ ...target, tls: { ca: tls.cert } });
    expect(await trusted.send(request, target.timeoutMillis)).toEqual({ kind: 'ok' });
    expect(g.spans().map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    trusted.close();

    // Without the CA the system roots do not know the certificate: a failure to retry, not a throw.
    const untrusted = createGrpcTransport(target);
    expect(await untrusted.send(request, target.timeoutMillis)).toMatchObject({ kind: 'retry' });
    untrusted.close();
    expect(g.spans()).toHaveLength(spans.length);
  });

  it('rejects a target that cannot work, naming it', () => {
    expect(() => createGrpcTransport({ url: 'not a url', headers: {}, compression: 'none' })).toThrow(/not a URL/);
    expect(() => createGrpcTransport({ url: 'ftp://x:1', headers: {}, compression: 'none' })).toThrow(/ftp:/);
    expect(() => createGrpcTransport({ url: 'http://x:1', headers: { 'bad key': 'v' }, compression: 'none' })).toThrow(/bad key/);
    const sink = grpcSink('not a url');
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    const h = sink.health();
    expect(h.state).toBe('degraded');
    expect(h.lastError?.message).toMatch(/not a URL/);
    expect(h.dropped).toBe(2);
  });
});

describe('OTLP/gRPC collector failures', () => {
  // The durable queue keeps what a retryable status refused and sends it again once the
  // collector accepts: nothing lost, the failed attempts counted.
  for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.DEADLINE_EXCEEDED]) {
    it(`retries after ${GrpcStatus[code]} and delivers every span when the collector recovers`, async () => {
      const g = await grpcReceiver();
      g.failWith(code);
      const sink = grpcSink(g.url, { timeoutMillis: 800 });
      const session = bareSession();
      const started = performance.now();
      sink.runEnded(session, nextRun(session));
      expect(performance.now() - started).toBeLessThan(20); // the caller never waits
      await g.waitFor(() => g.attempts >= 1);
      await eventually(() => sink.health().failures >= 1);
      let h = sink.health();
      expect(h).toMatchObject({ state: 'degraded', exported: 0, dropped: 0 });
      expect(h.details?.['failedSpans']).toBe(0);
      expect(h.lastError?.message).toContain(GrpcStatus[code]);

      g.failWith(undefined);
      sink.runEnded(session, nextRun(session));
      await eventually(() => sink.health().exported === 4);
      h = sink.health();
      expect(h).toMatchObject({ state: 'ok', exported: 4, dropped: 0, queueDepth: 0 });
      expect(g.spans()).toHaveLength(4);
    });
  }

  it('counts PERMISSION_DENIED as failed for good (no retry) and recovers when the collector does', async () => {
    const g = await grpcReceiver();
    g.failWith(GrpcStatus.PERMISSION_DENIED);
    const sink = grpcSink(g.url, { timeoutMillis: 800 });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    let h = sink.health();
    expect(h).toMatchObject({ state: 'degraded', failures: 1, exported: 0 });
    expect(h.details?.['failedSpans']).toBe(2);
    expect(h.lastError?.message).toContain('PERMISSION_DENIED');
    expect(g.attempts).toBe(1);

    g.failWith(undefined);
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    h = sink.health();
    expect(h).toMatchObject({ state: 'ok', failures: 1, exported: 2 });
    expect(g.spans()).toHaveLength(2);
  });

  it('counts an unreachable collector and exports again once it is back', async () => {
    const g = await grpcReceiver();
    await g.stop();
    const sink = grpcSink(g.url, { timeoutMillis: 800 });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    expect(sink.health()).toMatchObject({ state: 'degraded', failures: 1, exported: 0 });

    await g.restart();
    // grpc-js backs off reconnecting after a refusal: retry as a busy agent would, run by run.
    const deadline = Date.now() + 15_000;
    while (sink.health().exported === 0 && Date.now() < deadline) {
      sink.runEnded(session, nextRun(session));
      await sink.flush();
    }
    const h = sink.health();
    expect(h.state).toBe('ok');
    expect(h.exported).toBeGreaterThanOrEqual(2);
    expect(g.spans().length).toBe(h.exported);
  }, 30_000);
});

describe('OTLP/gRPC at process exit', () => {
  const canRunTs = Boolean((process.features as { typescript?: unknown }).typescript);
  it.skipIf(!canRunTs)('flushSync delivers what is still queued when the process exits without awaiting', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const g = await grpcReceiver();
    const script = fileURLToPath(new URL('./exit-flush-grpc-child.ts', import.meta.url));
    const child = spawn(process.execPath, [script, g.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(g.spans()).toHaveLength(TREE_SPAN_COUNT);
    expect(g.traces[0]?.metadata['x-exit']).toBe('yes');
    const health = JSON.parse(out) as { exported: number; queueDepth: number; failures: number };
    expect(health).toMatchObject({ exported: TREE_SPAN_COUNT, queueDepth: 0, failures: 0 });
  }, 20_000);

  it('a sync export to an unreachable collector is a counted failure, bounded in time', async () => {
    const { exportSyncGrpcBytes } = await import('../../../../src/outputs/otlp/export-sync-grpc.ts');
    const g = await grpcReceiver();
    await g.stop();
    const s = bareSession();
    const started = Date.now();
    const result = exportSyncGrpcBytes(encodeTraceRequest(readableSpans(s, nextRun(s))), { url: g.url, headers: {}, compression: 'none', timeoutMillis: 800 });
    expect(result.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(800 + 2500);
  }, 20_000);
});

// --- helpers --------------------------------------------------------------------------

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}


function readableSpans(session: Session, run: Run): ReadableSpan[] {
  const resource = resourceFromAttributes({ 'service.name': 'grpc-tls-test' });
  return planRun(session, run, Date.now, new SpanIds()).map((s) => toReadableSpan(s, genAiProjection, resource, { name: 'nemo-relay' }));
}

