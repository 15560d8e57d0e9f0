// The export queue is bounded by bytes, not by span count: a burst many times the memory
// budget, with the collector down, goes through the disk and is delivered in full when the
// collector comes up (HTTP and gRPC, real receivers on 127.0.0.1); the queue's own byte
// accounting never holds more encoded requests than the budget; max_queue_size no longer
// drops; without a spool the budget drops the newest, counted as memory_budget.

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../../src/config/types.ts';
import type { SinkHealth, TraceSink } from '../../../../../src/fanout/sink.ts';
import { createOtlpOutputSink } from '../../../../../src/outputs/otlp/projections.ts';
import type { Run, Session } from '../../../../../src/trace/model.ts';
import { startOtlpGrpcReceiver } from '../../../../support/otlp-grpc-receiver.ts';
import { startOtlpReceiver } from '../../../../support/otlp-receiver.ts';
import { bareSession, otlpConfig, simpleRun } from '../session-fixture.ts';
import { spoolScratch } from './scratch.ts';

const { freshDir, cleanup } = spoolScratch('nr-budget-test-');

type Memory = { spans: number; bytes: number; backlogBytes: number; spoolingBytes: number; peakBytes: number; budgetBytes: number };
type Details = { memory: Memory; disk: { state: string; segments: number; spans: number }; droppedBy: Record<string, number>; backlogSpans: number };
const details = (h: SinkHealth) => h.details as unknown as Details;

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A collector that can be taken down and brought back, whatever its transport. */
interface Collector {
  url: string;
  transport: 'http_binary' | 'grpc';
  down(): Promise<void>;
  up(): Promise<void>;
  spanIds(): string[];
}

async function httpCollector(): Promise<Collector> {
  const r = await startOtlpReceiver();
  cleanup.push(() => r.close());
  return { url: r.url, transport: 'http_binary', down: () => r.refuse(), up: () => r.resume(), spanIds: () => r.spans().map((s) => s.spanId) };
}

async function grpcCollector(): Promise<Collector> {
  const r = await startOtlpGrpcReceiver();
  cleanup.push(() => r.close());
  return { url: r.url, transport: 'grpc', down: () => r.stop(), up: () => r.restart(), spanIds: () => r.spans().map((s) => s.spanId) };
}

function sinkFor(c: Collector, overrides: Partial<OtlpOutputConfig>): TraceSink {
  const config = { ...otlpConfig(c.url, { scheduledDelayMillis: 5, timeoutMillis: 1000, compression: 'none', ...overrides }), transport: c.transport } as OtlpOutputConfig;
  const s = createOtlpOutputSink(config, { backoff: { initialMs: 50, maxMs: 300 }, shutdownTimeoutMillis: 300 });
  cleanup.push(() => s.shutdown());
  return s;
}

let runNo = 0;
/** A run of 5 spans whose LLM call carries `promptBytes` of prompt: its span is that large once encoded. */
function bigRun(session: Session, promptBytes: number): Run {
  const run = simpleRun(session, 50_000 + ++runNo, 3);
  const text = `${runNo}:${'lorem ipsum '.repeat(Math.ceil(promptBytes / 12))}`.slice(0, promptBytes);
  return { ...run, llmCalls: run.llmCalls.map((c) => ({ ...c, input: [{ role: 'user' as const, content: text }] })) } as Run;
}

function idsOf(run: Run): string[] {
  return [run.spanId, ...run.llmCalls.flatMap((c) => [c.spanId, ...c.tools.map((t) => t.spanId)])];
}

const BUDGET = 256 * 1024;

for (const make of [httpCollector, grpcCollector]) {
  describe(`a burst far over the byte budget, collector down (${make === httpCollector ? 'HTTP' : 'gRPC'})`, () => {
    it('nothing is dropped, encoded memory stays within the budget, and every span arrives once the collector is up', async () => {
      const c = await make();
      await c.down();
      const dir = freshDir();
      // max_queue_size 8: the old count cap would have dropped all but 8 of the 1,000 spans.
      const sink = sinkFor(c, { memoryBudgetBytes: BUDGET, maxQueueSize: 8, maxExportBatchSize: 16, spool: { directory: dir, maxBytes: 1 << 30, maxAgeMs: 3_600_000 } });
      const session = bareSession();
      const want: string[] = [];
      // 200 runs x ~40 kB: about 8 MB encoded, 30 times the budget, offered in one go.
      let worst = 0;
      for (let i = 0; i < 200; i++) {
        const run = bigRun(session, 40_000);
        want.push(...idsOf(run));
        sink.runEnded(session, run);
        const m = details(sink.health()).memory;
        worst = Math.max(worst, m.bytes);
      }
      // The queue's own accounting, sampled while the burst is encoded and spilled.
      const sampler = setInterval(() => (worst = Math.max(worst, details(sink.health()).memory.bytes)), 1);
      await eventually(() => details(sink.health()).backlogSpans === 0 && details(sink.health()).disk.spans > 0, 20_000, 'burst encoded and spooled');
      await sink.flush();
      clearInterval(sampler);
      const down = sink.health();
      expect(down.dropped).toBe(0);
      expect(details(down).droppedBy).toEqual({});
      expect(details(down).memory.peakBytes).toBeLessThanOrEqual(BUDGET);
      expect(worst).toBeLessThanOrEqual(BUDGET);
      // Most of the burst is on disk, not in memory.
      expect(details(down).disk.spans).toBeGreaterThan(want.length / 2);
      expect(details(down).memory.bytes + details(down).memory.backlogBytes).toBeLessThanOrEqual(BUDGET);

      await c.up();
      await eventually(() => sink.health().exported >= want.length, 60_000, 'everything delivered');
      await eventually(() => new Set(c.spanIds()).size === want.length, 10_000, 'every span at the collector');
      expect(new Set(c.spanIds())).toEqual(new Set(want));
      const h = sink.health();
      expect(h.dropped).toBe(0);
      expect(h.exported).toBe(want.length);
      await eventually(() => details(sink.health()).disk.segments === 0, 5000, 'spool emptied');
      expect(readdirSync(dir).filter((n) => n.endsWith('.seg'))).toEqual([]);
    });
  });
}

describe('max_queue_size', () => {
  it('is a soft bound: 1 with the collector up still delivers every span of 50 runs', async () => {
    const c = await httpCollector();
    const sink = sinkFor(c, { maxQueueSize: 1, maxExportBatchSize: 4, spool: { directory: freshDir(), maxBytes: 1 << 30, maxAgeMs: 3_600_000 } });
    const session = bareSession();
    const want: string[] = [];
    for (let i = 0; i < 50; i++) {
      const run = bigRun(session, 2_000);
      want.push(...idsOf(run));
      sink.runEnded(session, run);
    }
    expect(sink.health().dropped).toBe(0);
    await eventually(() => sink.health().exported === want.length, 20_000, 'all exported');
    expect(new Set(c.spanIds())).toEqual(new Set(want));
    expect(sink.health().dropped).toBe(0);
  });
});

describe('no spool', () => {
  it('over the budget the newest spans are dropped as memory_budget, and memory stays within it', async () => {
    const c = await httpCollector();
    await c.down();
    const sink = sinkFor(c, { memoryBudgetBytes: BUDGET, maxExportBatchSize: 16 });
    expect(details(sink.health()).disk.state).toBe('off');
    const session = bareSession();
    // Teach the estimate what a run costs, then the burst.
    sink.runEnded(session, bigRun(session, 40_000));
    await eventually(() => details(sink.health()).memory.bytes > 0, 10_000, 'first request encoded');
    for (let i = 0; i < 100; i++) sink.runEnded(session, bigRun(session, 40_000));
    await sink.flush();
    const h = sink.health();
    expect(h.dropped).toBeGreaterThan(0);
    expect(details(h).droppedBy).toEqual({ memory_budget: h.dropped });
    expect(details(h).memory.peakBytes).toBeLessThanOrEqual(BUDGET);
    // What was kept is everything that was not dropped: 101 runs x 5 spans in all.
    expect(h.queueDepth + Number(h.details?.['inFlight'] ?? 0) + h.dropped).toBe(505);
    // Kept means roughly the budget's worth: 256 kB / ~40 kB a run.
    expect(h.queueDepth + Number(h.details?.['inFlight'] ?? 0)).toBeGreaterThanOrEqual(4 * 5);
  });
});
