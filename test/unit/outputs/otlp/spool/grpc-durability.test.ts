// The durable queue over OTLP/gRPC against a real grpc-js collector: the same stored request
// bytes the HTTP transport posts go out through TraceService/Export. A collector that is down
// (port closed) for the first part of a workload loses nothing; what one output spooled at
// shutdown the next delivers; a throttling collector's RetryInfo sets the retry delay.

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../../src/config/types.ts';
import type { SinkHealth, TraceSink } from '../../../../../src/fanout/sink.ts';
import { createOtlpOutputSink } from '../../../../../src/outputs/otlp/projections.ts';
import type { Session } from '../../../../../src/trace/model.ts';
import { GrpcStatus, startOtlpGrpcReceiver } from '../../../../support/otlp-grpc-receiver.ts';
import type { OtlpGrpcReceiver } from '../../../../support/otlp-grpc-receiver.ts';
import { bareSession, otlpConfig, simpleRun } from '../session-fixture.ts';
import { spoolScratch } from './scratch.ts';

const { freshDir, cleanup } = spoolScratch('nr-grpc-spool-test-');

async function receiver(): Promise<OtlpGrpcReceiver> {
  const r = await startOtlpGrpcReceiver();
  cleanup.push(() => r.close());
  return r;
}

function grpcSink(url: string, spoolDir: string, overrides: Partial<OtlpOutputConfig> = {}): TraceSink {
  const config = {
    ...otlpConfig(url, {
      maxExportBatchSize: 4,
      scheduledDelayMillis: 5,
      timeoutMillis: 1000,
      spool: { directory: spoolDir, maxBytes: 1 << 30, maxAgeMs: 3_600_000 },
      ...overrides,
    }),
    transport: 'grpc',
  } as OtlpOutputConfig;
  const s = createOtlpOutputSink(config, { backoff: { initialMs: 50, maxMs: 300 }, shutdownTimeoutMillis: 300 });
  cleanup.push(() => s.shutdown());
  return s;
}

type Details = { transport: string; memory: { bytes: number }; disk: { state: string; segments: number; spans: number } };
const details = (h: SinkHealth) => h.details as unknown as Details;

async function eventually(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let runNo = 0;
/** `runs` runs of 2 + 3 spans each; returns their span ids. */
function offer(sink: TraceSink, session: Session, runs: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const run = simpleRun(session, 20_000 + ++runNo, 3);
    ids.push(run.spanId, ...run.llmCalls.flatMap((c) => [c.spanId, ...c.tools.map((t) => t.spanId)]));
    sink.runEnded(session, run);
  }
  return ids;
}

const received = (r: OtlpGrpcReceiver) => r.spans().map((s) => s.spanId);
const segmentFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg'));

describe('OTLP/gRPC with the disk spool', () => {
  it('the collector is down for the first half of a workload: every span is delivered, what overflowed memory went through the disk', async () => {
    const r = await receiver();
    await r.stop();
    const dir = freshDir();
    // A tiny memory budget: most of the outage has to go to disk.
    const sink = grpcSink(r.url, dir, { memoryBudgetBytes: 2048 });
    expect(details(sink.health()).transport).toBe('grpc');
    const session = bareSession();
    const firstHalf = offer(sink, session, 20);
    await eventually(() => details(sink.health()).disk.segments > 0 && sink.health().details?.['retryingSince'] !== undefined, 10_000, 'spans spooled while down');
    const down = sink.health();
    expect(down.state).toBe('degraded');
    expect(down.dropped).toBe(0);
    expect(details(down).memory.bytes).toBeLessThanOrEqual(2048);

    await r.restart();
    const secondHalf = offer(sink, session, 20);
    const want = [...firstHalf, ...secondHalf];
    // grpc-js reconnects on its own backoff (capped by the transport), then the queue drains.
    await r.waitFor(() => r.spans().length >= want.length, 60_000);
    await eventually(() => sink.health().exported === want.length, 5000, 'exported count');
    expect(new Set(received(r))).toEqual(new Set(want));
    const h = sink.health();
    expect(h.dropped).toBe(0);
    expect(h.state).toBe('ok');
    await eventually(() => details(sink.health()).disk.segments === 0, 5000, 'spool emptied');
    expect(segmentFiles(dir)).toEqual([]);
  }, 90_000);

  it('a second output on the same spool delivers over gRPC what the first spooled at shutdown', async () => {
    const r = await receiver();
    r.failWith(GrpcStatus.UNAVAILABLE);
    const dir = freshDir();
    const first = grpcSink(r.url, dir);
    const ids = offer(first, bareSession(), 12);
    await eventually(() => first.health().details?.['retryingSince'] !== undefined, 10_000, 'first output retrying');
    await first.shutdown();
    expect(segmentFiles(dir).length).toBeGreaterThan(0);
    expect(r.spans()).toHaveLength(0);

    r.failWith(undefined);
    const second = grpcSink(r.url, dir);
    expect(details(second.health()).disk.spans).toBe(ids.length);
    await r.waitFor(() => r.spans().length >= ids.length, 15_000);
    expect(new Set(received(r))).toEqual(new Set(ids));
    await eventually(() => segmentFiles(dir).length === 0, 5000, 'segments removed once sent');
    expect(second.health().exported).toBe(ids.length);
  }, 40_000);

  it('RESOURCE_EXHAUSTED with RetryInfo: the next attempt waits the delay the collector asked for', async () => {
    const r = await receiver();
    r.failWith(GrpcStatus.RESOURCE_EXHAUSTED, { retryDelayMs: 1500 });
    // One request (the run's 5 spans in one batch): one refused attempt, one accepted.
    const sink = grpcSink(r.url, freshDir(), { maxExportBatchSize: 64 });
    const ids = offer(sink, bareSession(), 1);
    await r.waitFor(() => r.attempts >= 1, 10_000);
    const firstAttempt = Date.now();
    r.failWith(undefined);
    // Our own backoff here is 50-300 ms; only the collector's RetryInfo explains a longer wait.
    await r.waitFor(() => r.spans().length >= ids.length, 15_000);
    expect(Date.now() - firstAttempt).toBeGreaterThanOrEqual(1300);
    expect(r.attempts).toBe(2);
    expect(sink.health().lastError?.message).toContain('RESOURCE_EXHAUSTED');
    await eventually(() => sink.health().exported === ids.length, 5000, 'exported count');
  }, 30_000);
});
