// The OTLP output against a real receiver that goes away: nothing offered is lost while the
// collector is down, a second output on the same spool (the next process) delivers what the
// first left, a torn segment is skipped and counted, an unusable spool leaves the output
// memory-only with counted drops, and Retry-After is honoured.

import { randomBytes } from 'node:crypto';
import { readdirSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../../src/config/types.ts';
import type { SinkHealth, TraceSink } from '../../../../../src/fanout/sink.ts';
import { createOtlpOutputSink } from '../../../../../src/outputs/otlp/projections.ts';
import type { Session } from '../../../../../src/trace/model.ts';
import { canMount, withTinyTmpfs } from '../../../../support/mounts.ts';
import { startOtlpReceiver } from '../../../../support/otlp-receiver.ts';
import type { OtlpReceiver } from '../../../../support/otlp-receiver.ts';
import { TREE_SPAN_COUNT, bareSession, otlpConfig, simpleRun } from '../session-fixture.ts';
import { spoolScratch } from './scratch.ts';

const { freshDir, cleanup } = spoolScratch('nr-spool-test-');

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  cleanup.push(() => r.close());
  return r;
}

function sinkFor(url: string, spoolDir: string, overrides: Partial<OtlpOutputConfig> = {}): TraceSink {
  const config = otlpConfig(url, {
    maxExportBatchSize: 4,
    scheduledDelayMillis: 5,
    timeoutMillis: 1000,
    spool: { directory: spoolDir, maxBytes: 1 << 30, maxAgeMs: 3_600_000 },
    ...overrides,
  });
  const s = createOtlpOutputSink(config, { backoff: { initialMs: 50, maxMs: 300 }, shutdownTimeoutMillis: 300 });
  cleanup.push(() => s.shutdown());
  return s;
}

type Details = { memory: { spans: number; bytes: number; budgetBytes: number }; disk: { state: string; reason?: string; segments: number; spans: number; tornSegments: number }; droppedBy: Record<string, number> };
const details = (h: SinkHealth) => h.details as unknown as Details;

async function eventually(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let runNo = 0;
/** `runs` runs of 2 + 3 spans (run, LLM call, 3 tools) each; returns their span ids. */
function offer(sink: TraceSink, session: Session, runs: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const run = simpleRun(session, 10_000 + ++runNo, 3);
    ids.push(run.spanId, ...run.llmCalls.flatMap((c) => [c.spanId, ...c.tools.map((t) => t.spanId)]));
    sink.runEnded(session, run);
  }
  return ids;
}

const received = (r: OtlpReceiver) => r.spans().map((s) => s.spanId);
const segmentFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg'));

describe('collector down, then up', () => {
  it('the collector is down for the first half of a workload: every span is delivered, what overflowed memory went through the disk', async () => {
    const r = await receiver();
    await r.refuse();
    const dir = freshDir();
    // A tiny memory budget: most of the outage has to go to disk.
    const sink = sinkFor(r.url, dir, { memoryBudgetBytes: 2048 });
    const session = bareSession();
    const firstHalf = offer(sink, session, 20);
    await eventually(() => details(sink.health()).disk.segments > 0 && sink.health().details?.['retryingSince'] !== undefined, 10_000, 'spans spooled while down');
    const down = sink.health();
    expect(down.state).toBe('degraded');
    expect(down.dropped).toBe(0);
    expect(details(down).memory.bytes).toBeLessThanOrEqual(2048);

    await r.resume();
    const secondHalf = offer(sink, session, 20);
    const want = [...firstHalf, ...secondHalf];
    await r.waitForSpans(want.length, 15_000);
    await eventually(() => sink.health().exported === want.length, 5000, 'exported count');
    expect(new Set(received(r))).toEqual(new Set(want));
    const h = sink.health();
    expect(h.dropped).toBe(0);
    expect(h.state).toBe('ok');
    await eventually(() => details(sink.health()).disk.segments === 0, 5000, 'spool emptied');
    expect(segmentFiles(dir)).toEqual([]);
  });
});

describe('the next process', () => {
  it('a second output on the same spool directory delivers what the first spooled at shutdown', async () => {
    const r = await receiver();
    await r.refuse();
    const dir = freshDir();
    const first = sinkFor(r.url, dir);
    const ids = offer(first, bareSession(), 12);
    await eventually(() => first.health().details?.['retryingSince'] !== undefined, 10_000, 'first output retrying');
    // While the first holds the directory, a second cannot claim it: memory only, and it says why.
    const rival = sinkFor(r.url, dir);
    expect(details(rival.health()).disk.state).toBe('unavailable');
    expect(details(rival.health()).disk.reason).toMatch(/in use/);
    await rival.shutdown();

    await first.shutdown();
    expect(segmentFiles(dir).length).toBeGreaterThan(0);
    expect(readdirSync(dir)).not.toContain('spool.lock');
    for (const f of segmentFiles(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(r.attempts).toBe(0);

    await r.resume();
    const second = sinkFor(r.url, dir);
    expect(details(second.health()).disk.spans).toBe(ids.length);
    await r.waitForSpans(ids.length, 10_000);
    expect(new Set(received(r))).toEqual(new Set(ids));
    await eventually(() => segmentFiles(dir).length === 0, 5000, 'segments removed once sent');
    expect(second.health().exported).toBe(ids.length);
  });

  it('a torn segment is skipped and counted; the others are delivered and startup does not fail', async () => {
    const r = await receiver();
    await r.refuse();
    const dir = freshDir();
    const first = sinkFor(r.url, dir);
    const ids = offer(first, bareSession(), 6);
    await first.shutdown();
    const files = segmentFiles(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    // A crash mid-write: the last segment lost its tail; a temporary file never got renamed.
    const torn = files[files.length - 1]!;
    truncateSync(join(dir, torn), statSync(join(dir, torn)).size - 7);
    writeFileSync(join(dir, `${torn}.tmp`), 'half');
    const tornSpans = Number(/-(\d+)\.seg$/.exec(torn)![1]);

    await r.resume();
    const second = sinkFor(r.url, dir);
    await r.waitForSpans(ids.length - tornSpans, 10_000);
    await eventually(() => segmentFiles(dir).length === 0, 5000, 'spool drained');
    const h = second.health();
    expect(h.exported).toBe(ids.length - tornSpans);
    expect(details(h).droppedBy['torn_segment']).toBe(tornSpans);
    expect(details(h).disk.tornSegments).toBe(2);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('process exit without awaiting', () => {
  const canRunTs = Boolean((process.features as { typescript?: unknown }).typescript);
  it.skipIf(!canRunTs)('the collector down at exit: what was queued is spooled, and the next output delivers it', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const r = await receiver();
    await r.refuse();
    const dir = freshDir();
    const script = fileURLToPath(new URL('./exit-child.ts', import.meta.url));
    const child = spawn(process.execPath, [script, r.url, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    const health = JSON.parse(out) as SinkHealth;
    expect(health.dropped).toBe(0);
    expect(details(health).disk.spans).toBe(TREE_SPAN_COUNT);
    expect(segmentFiles(dir).length).toBeGreaterThan(0);

    await r.resume();
    const next = sinkFor(r.url, dir);
    await r.waitForSpans(TREE_SPAN_COUNT, 10_000);
    await eventually(() => next.health().exported === TREE_SPAN_COUNT, 5000, 'exported count');
    expect(r.spans()).toHaveLength(TREE_SPAN_COUNT);
  });
});

describe('an unusable spool', () => {
  it('unwritable: the output runs memory-only, drops are counted, status says why', async () => {
    const r = await receiver();
    await r.refuse();
    const parentIsAFile = freshDir();
    writeFileSync(parentIsAFile, 'not a directory');
    const sink = sinkFor(r.url, join(parentIsAFile, 'spool'), { memoryBudgetBytes: 2048 });
    const ids = offer(sink, bareSession(), 10);
    await eventually(() => sink.health().dropped > 0 && sink.health().details?.['retryingSince'] !== undefined, 10_000, 'drops counted');
    const h = sink.health();
    expect(details(h).disk.state).toBe('unavailable');
    expect(details(h).disk.reason).toMatch(/ENOTDIR|EEXIST/);
    expect(details(h).droppedBy['memory_budget']).toBe(h.dropped);
    expect(details(h).memory.bytes).toBeLessThanOrEqual(2048);

    // What memory held is still delivered once the collector is back.
    await r.resume();
    await eventually(() => sink.health().exported + sink.health().dropped === ids.length, 10_000, 'memory drained');
    expect(r.spans().length).toBe(sink.health().exported);
    expect(sink.health().exported).toBeGreaterThan(0);
  });

  it.skipIf(!canMount)('full (a 64 kB tmpfs): memory-only, drops counted, status says ENOSPC, never a crash', async () => {
    const r = await receiver();
    await r.refuse();
    await withTinyTmpfs(freshDir(), async (dir) => {
      const session = bareSession();
      const sink = sinkFor(r.url, dir, { memoryBudgetBytes: 2048 });
      // Big prompts: each request is tens of kB, the disk fills after a few.
      for (let i = 0; i < 30; i++) {
        const run = simpleRun(session, 20_000 + ++runNo, 3);
        // Incompressible: zstd would store a repeated character in a few bytes.
        const big = { ...run, llmCalls: run.llmCalls.map((c) => ({ ...c, input: [{ role: 'user' as const, content: `${i}:${randomBytes(30_000).toString('base64')}` }] })) };
        sink.runEnded(session, big as typeof run);
      }
      await eventually(() => details(sink.health()).disk.state === 'unavailable' && sink.health().dropped > 0, 15_000, 'spool full');
      const h = sink.health();
      expect(details(h).disk.reason).toMatch(/ENOSPC/);
      // Lost to the full disk: the write that failed (spool_unavailable), and what memory could not hold after it (memory_budget).
      const by = details(h).droppedBy;
      expect((by['spool_unavailable'] ?? 0) + (by['memory_budget'] ?? 0)).toBe(h.dropped);
      expect(h.dropped).toBeGreaterThan(0);
      await sink.shutdown();
    });
  });
});

describe('Retry-After', () => {
  for (const mode of ['throttle', 'busy'] as const) {
    it(`${mode === 'throttle' ? '429' : '503 (Phoenix queue full)'} with Retry-After: 1: the next attempt comes no sooner`, async () => {
      const r = await receiver();
      r.setMode(mode);
      // One request: its two attempts are the whole story.
      const sink = sinkFor(r.url, freshDir(), { maxExportBatchSize: 64 });
      const ids = offer(sink, bareSession(), 1);
      await r.waitForAttempts(1);
      // The backoff alone would retry after 25-50 ms; the server asked for a second.
      setTimeout(() => r.setMode('ok'), 200);
      await r.waitForSpans(ids.length, 10_000);
      expect(r.attemptTimes.length).toBe(2);
      expect(r.attemptTimes[1]! - r.attemptTimes[0]!).toBeGreaterThanOrEqual(1000);
      await eventually(() => sink.health().exported === ids.length, 5000, 'exported count');
      const h = sink.health();
      expect(h.failures).toBe(1);
      expect(h.dropped).toBe(0);
    });
  }
});
