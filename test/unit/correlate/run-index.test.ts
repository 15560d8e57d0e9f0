// The run index answers what a scan of the open and recent runs would, and stays bounded by
// what it indexes when runs leave without telling it.

import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../../../src/correlate/context.ts';
import { RunIndex } from '../../../src/correlate/run-index.ts';
import type { RunState } from '../../../src/correlate/state.ts';

const ctxOf = () => ({ runs: new Map<string, RunState>(), recent: new Map<string, RunState | null>() }) as unknown as EngineContext;
const runState = (runId: string, spanId: string, traceId?: string) => ({ run: { runId, spanId }, openclawTraceId: traceId }) as unknown as RunState;

/** What the index replaces: a scan of every open and recently delivered run. */
const scanSpan = (ctx: EngineContext, spanId: string, self: RunState) =>
  [...ctx.runs.values(), ...[...ctx.recent.values()].filter((r): r is RunState => r !== null)].find((r) => r !== self && r.run.spanId === spanId);
const scanTrace = (ctx: EngineContext, traceId: string) => [...ctx.runs.values(), ...ctx.recent.values()].some((r) => r?.openclawTraceId === traceId);

describe('RunIndex', () => {
  it('agrees with a scan while runs open, move to recent, are nulled, evicted and re-identified', () => {
    const ctx = ctxOf();
    const index = new RunIndex();
    const all: RunState[] = [];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 5_000; i++) {
      const op = rnd(6);
      if (op <= 1 || all.length === 0) {
        const rs = runState(`r${i}`, `s${rnd(400)}`, rnd(2) ? `t${rnd(50)}` : undefined);
        // Span ids are unique among live runs: a run only takes one no other live run has.
        if (scanSpan(ctx, rs.run.spanId, rs)) rs.run.spanId = `fresh${i}`;
        ctx.runs.set(rs.run.runId, rs);
        index.add(ctx, rs);
        all.push(rs);
      } else if (op === 2) {
        const rs = all[rnd(all.length)]!;
        if (ctx.runs.delete(rs.run.runId)) {
          ctx.recent.set(rs.run.runId, rs);
          if (ctx.recent.size > 128) ctx.recent.delete(ctx.recent.keys().next().value!);
        }
      } else if (op === 3) {
        const rs = all[rnd(all.length)]!;
        if (ctx.recent.has(rs.run.runId)) ctx.recent.set(rs.run.runId, null);
      } else if (op === 4) {
        const rs = all[rnd(all.length)]!;
        const next = `s${rnd(400)}`;
        if (!scanSpan(ctx, next, rs)) {
          rs.run.spanId = next;
          index.add(ctx, rs);
        }
      } else {
        const self = all[rnd(all.length)]!;
        const spanId = `s${rnd(400)}`;
        expect(index.runWithSpan(ctx, spanId, self)).toBe(scanSpan(ctx, spanId, self));
        const traceId = `t${rnd(50)}`;
        expect(index.hasTrace(ctx, traceId)).toBe(scanTrace(ctx, traceId));
      }
    }
  });

  it('stays bounded by the runs it indexes when they leave unannounced', () => {
    const ctx = ctxOf();
    const index = new RunIndex();
    for (let i = 0; i < 100_000; i++) {
      const rs = runState(`r${i}`, `s${i}`, `t${i}`);
      ctx.runs.set(rs.run.runId, rs);
      index.add(ctx, rs);
      if (ctx.runs.size > 100) ctx.runs.delete(ctx.runs.keys().next().value!);
    }
    expect(index.size).toBeLessThanOrEqual(2 * 100 + 64 + 2);
  });

  it('holds nothing once every run has left: removed, or swept by prune when no run is added', () => {
    const ctx = ctxOf();
    const index = new RunIndex();
    const runs = Array.from({ length: 1_000 }, (_, i) => runState(`r${i}`, `s${i}`, `t${i % 10}`));
    for (const rs of runs) {
      ctx.runs.set(rs.run.runId, rs);
      index.add(ctx, rs);
    }
    expect(index.size).toBe(2_000);
    // Half leave announced (their session closed), half unannounced.
    for (const rs of runs.slice(0, 500)) {
      ctx.runs.delete(rs.run.runId);
      index.remove(rs);
    }
    expect(index.size).toBe(1_000);
    for (const rs of runs.slice(500)) ctx.runs.delete(rs.run.runId);
    expect(index.hasTrace(ctx, 't3')).toBe(false);
    index.prune(ctx);
    expect(index.size).toBe(0);
  });
});
