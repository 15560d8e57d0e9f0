// Our runs by span id and by OpenClaw trace id. Trace placement asks "is this span id one of
// our runs?" for every run, and plugin-call detection asks "is this trace one of our runs'?"
// for every model.usage diagnostic: scanning every open and recently delivered run for that
// was a fifth of the hook path at 2,000 sessions. A run is removed when its session closes or
// it falls out of `recent`; for any other way out an entry is checked on read and dropped if
// its run is gone, and the index is swept when it outgrows what it indexes, also when no run
// is added any more (`prune`, from the engine's advance): a stale entry holds its session,
// runs and all, so an index left as the workload ended kept every session it had seen.

import type { EngineContext } from './context.ts';
import type { RunState } from './state.ts';

/** Stale entries tolerated before a sweep, so a small index is not swept on every add. */
const SLACK = 64;

export class RunIndex {
  private readonly bySpan = new Map<string, RunState>();
  private readonly byTrace = new Map<string, Set<RunState>>();
  private entries = 0;

  /** Entries held (span ids and trace memberships), stale ones included until read or swept. */
  get size(): number {
    return this.entries;
  }

  /** A run was opened, or its span id or trace id changed (the old id is dropped on read). */
  add(ctx: EngineContext, rs: RunState): void {
    this.bySpan.set(rs.run.spanId, rs);
    this.entries++;
    if (rs.openclawTraceId !== undefined) {
      let set = this.byTrace.get(rs.openclawTraceId);
      if (!set) this.byTrace.set(rs.openclawTraceId, (set = new Set()));
      set.add(rs);
      this.entries++;
    }
    this.prune(ctx);
  }

  /** The run left the engine (its session closed, or it fell out of `recent`). */
  remove(rs: RunState): void {
    if (this.bySpan.get(rs.run.spanId) === rs) {
      this.bySpan.delete(rs.run.spanId);
      this.entries--;
    }
    const id = rs.openclawTraceId;
    const set = id === undefined ? undefined : this.byTrace.get(id);
    if (set?.delete(rs)) {
      this.entries--;
      if (set.size === 0) this.byTrace.delete(id!);
    }
  }

  /** Sweeps when the index holds more than twice what it indexes (amortized O(1) per add). */
  prune(ctx: EngineContext): void {
    if (this.entries > 2 * (ctx.runs.size + ctx.recent.size) + SLACK) this.sweep(ctx);
  }

  /** A run of ours, open or recently delivered, with this span id, other than `self`. */
  runWithSpan(ctx: EngineContext, spanId: string, self: RunState): RunState | undefined {
    const rs = this.bySpan.get(spanId);
    if (!rs) return undefined;
    if (rs.run.spanId !== spanId || !live(ctx, rs)) {
      this.bySpan.delete(spanId);
      return undefined;
    }
    return rs === self ? undefined : rs;
  }

  /** Whether a run of ours, open or recently delivered, is in this OpenClaw trace. */
  hasTrace(ctx: EngineContext, traceId: string): boolean {
    const set = this.byTrace.get(traceId);
    if (!set) return false;
    for (const rs of set) {
      if (rs.openclawTraceId === traceId && live(ctx, rs)) return true;
      set.delete(rs);
    }
    this.byTrace.delete(traceId);
    return false;
  }

  private sweep(ctx: EngineContext): void {
    let n = 0;
    for (const [id, rs] of this.bySpan) {
      if (rs.run.spanId !== id || !live(ctx, rs)) this.bySpan.delete(id);
      else n++;
    }
    for (const [id, set] of this.byTrace) {
      for (const rs of set) if (rs.openclawTraceId !== id || !live(ctx, rs)) set.delete(rs);
      if (set.size === 0) this.byTrace.delete(id);
      else n += set.size;
    }
    this.entries = n;
  }
}

function live(ctx: EngineContext, rs: RunState): boolean {
  const id = rs.run.runId;
  return ctx.runs.get(id) === rs || ctx.recent.get(id) === rs;
}
