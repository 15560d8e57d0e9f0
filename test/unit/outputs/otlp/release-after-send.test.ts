// Export requests give their memory back as soon as nothing reads them, without waiting for a
// full collection: sent or refused for good, written to the spool, or read back and sent.
// A request that will be retried keeps its bytes, and so does one a socket may still be
// writing (a collector that answered before it read the whole body, on a real socket).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { ExportQueue } from '../../../../src/outputs/otlp/export-queue.ts';
import type { ExportTransport, SendResult } from '../../../../src/outputs/otlp/export-transport.ts';
import { createHttpTransport } from '../../../../src/outputs/otlp/http-transport.ts';
import { toReadableSpan } from '../../../../src/outputs/otlp/readable-span.ts';
import { genAiProjection } from '../../../../src/outputs/otlp/gen-ai/gen-ai-projection.ts';
import { SpanIds, planRun } from '../../../../src/outputs/otlp/span-plan.ts';
import { Spool } from '../../../../src/outputs/otlp/spool/spool.ts';
import { releaseNow } from '../../../../src/util/release-buffer.ts';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { bareSession, simpleRun } from './session-fixture.ts';
import { spoolScratch } from './spool/scratch.ts';

const { freshDir, cleanup } = spoolScratch('nr-release-test-');

describe('releaseNow', () => {
  it('frees a large store at once (no collection), and reports it', () => {
    const before = process.memoryUsage().arrayBuffers;
    const big = Buffer.allocUnsafe(32 << 20).fill(1);
    expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(32 << 20);
    expect(releaseNow(big)).toBe(true);
    expect(big.byteLength).toBe(0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(releaseNow(big)).toBe(false);
  });

  it('leaves pooled slices, small stores and views of a small part of a store alone', () => {
    const pooled = Buffer.from('a short pooled string');
    expect(releaseNow(pooled)).toBe(false);
    expect(pooled.toString()).toBe('a short pooled string');
    const store = Buffer.allocUnsafe(1 << 20).fill(7);
    const part = store.subarray(0, 100 << 10);
    expect(releaseNow(part)).toBe(false);
    expect(store[(1 << 20) - 1]).toBe(7);
    // The owner of the whole store may free it through any view.
    expect(releaseNow(part, true)).toBe(true);
    expect(store.byteLength).toBe(0);
  });

  it('a store Node will not detach (an async zlib output chunk) is left to the collector, without throwing', async () => {
    const out = await promisify(gzip)(Buffer.alloc(1 << 20, 'lorem ipsum '), { chunkSize: 256 << 10 });
    const copy = Buffer.from(out);
    expect(() => releaseNow(out, true)).not.toThrow();
    expect(out.equals(copy)).toBe(true);
  });
});

/** A transport that records what it was given and answers from a script. */
function scripted(answers: SendResult[]): ExportTransport & { got: Uint8Array[]; sizes: number[] } {
  const got: Uint8Array[] = [];
  const sizes: number[] = [];
  return {
    got,
    sizes,
    async send(request) {
      got.push(request);
      sizes.push(request.byteLength);
      return answers.shift() ?? { kind: 'ok' };
    },
    close() {},
  };
}

const resource = resourceFromAttributes({ 'service.name': 'release-test' });
let runNo = 0;
/** One run's spans, its LLM call carrying a prompt large enough for a request over 64 kB. */
function job() {
  const session = bareSession(`release-${++runNo}`);
  const run = simpleRun(session, 90_000 + runNo, 2);
  const text = `${runNo} ${'lorem ipsum '.repeat(20_000)}`;
  const big = { ...run, llmCalls: run.llmCalls.map((c) => ({ ...c, input: [{ role: 'user' as const, content: text }] })) };
  const spans = planRun(session, big as typeof run, () => Date.UTC(2026, 0, 1), new SpanIds()).map((s) => toReadableSpan(s, genAiProjection, resource, { name: 'nemo-relay' }));
  return { count: spans.length, build: () => spans };
}

function queue(transport: ExportTransport, extra: { memoryBudgetBytes?: number; spool?: Spool } = {}): ExportQueue {
  const q = new ExportQueue({
    maxQueueSize: 10_000,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1,
    timeoutMillis: 2_000,
    memoryBudgetBytes: extra.memoryBudgetBytes ?? 64 << 20,
    now: Date.now,
    describeError: (e) => String(e),
    transport,
    backoff: { initialMs: 20, maxMs: 50 },
    ...(extra.spool ? { spool: extra.spool } : {}),
  });
  cleanup.push(() => q.shutdown(100));
  return q;
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the export queue frees request bytes once nothing reads them', () => {
  it('sent: freed; retried: kept and sent again whole; refused for good: freed', async () => {
    const t = scripted([{ kind: 'retry', error: 'HTTP 503' }, { kind: 'ok' }, { kind: 'reject', error: 'HTTP 400' }]);
    const q = queue(t);
    q.offer(job());
    await q.flush();
    await eventually(() => t.got.length === 2, 'the retry');
    // The same request went out twice: whole the second time, freed after it was accepted.
    expect(t.got[0]).toBe(t.got[1]);
    expect(t.sizes[1]).toBe(t.sizes[0]);
    expect(t.sizes[0]).toBeGreaterThan(64 << 10);
    expect(t.got[1]!.byteLength).toBe(0);
    q.offer(job());
    await q.flush();
    await eventually(() => t.got.length === 3, 'the refused send');
    expect(t.got[2]!.byteLength).toBe(0);
  });

  it('a request the socket may still be writing is left to the collector', async () => {
    const t = scripted([{ kind: 'ok', requestInUse: true }]);
    const q = queue(t);
    q.offer(job());
    await q.flush();
    await eventually(() => t.got.length === 1, 'the send');
    expect(t.got[0]!.byteLength).toBe(t.sizes[0]);
  });

  it('spooled: the encoded request is freed once on disk; read back and sent: freed too', async () => {
    const dir = freshDir();
    const spool = new Spool({ directory: dir, maxBytes: 1 << 30, maxAgeMs: 3_600_000, now: Date.now, onDrop: () => undefined });
    const written: Uint8Array[] = [];
    const write = spool.write.bind(spool);
    spool.write = (raw, spans, created) => (written.push(raw), write(raw, spans, created));
    const t = scripted([{ kind: 'retry', error: 'HTTP 503', retryAfterMs: 100 }]);
    const q = queue(t, { spool, memoryBudgetBytes: 64 << 10 });
    for (let i = 0; i < 4; i++) q.offer(job());
    await eventually(() => readdirSync(dir).some((n) => n.endsWith('.seg')), 'a segment on disk');
    await eventually(() => readdirSync(dir).filter((n) => n.endsWith('.seg')).length > 0, 'a segment on disk');
    await q.flush();
    await eventually(() => q.snapshot().exported === 4 * job().count, 'every span sent');
    // Every request that was sent and accepted, from memory or from a segment, was freed.
    expect(written.length).toBeGreaterThan(0);
    for (const r of written) expect(r.byteLength).toBe(0);
    const accepted = t.got.slice(1);
    expect(accepted.length).toBeGreaterThan(1);
    for (const r of accepted) expect(r.byteLength).toBe(0);
  });
});

describe('HTTP transport on a real socket', () => {
  it('an answer after the whole body was read: the request is not in use', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const t = createHttpTransport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, headers: {}, compression: 'none', maxSockets: 1 });
    cleanup.push(async () => t.close());
    const result = await t.send(Buffer.alloc(4 << 20, 1), 5_000);
    expect(result).toEqual({ kind: 'ok' });
  });

  it('an answer before the body was read: the request is still in use, and is not freed by the queue', async () => {
    // 413 at once, without reading a body larger than the socket buffers.
    const server = createServer((_req, res) => {
      res.statusCode = 413;
      res.end('too large');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const t = createHttpTransport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, headers: {}, compression: 'none', maxSockets: 1 });
    cleanup.push(async () => t.close());
    const body = Buffer.alloc(64 << 20, 1);
    const result = await t.send(body, 5_000);
    expect(result.kind).toBe('reject');
    expect(result.requestInUse).toBe(true);
    expect(body.byteLength).toBe(64 << 20);
  });
});
