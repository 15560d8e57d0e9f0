// Deadlines: the grace window after agent_end (a late llm_output), finishing a run (its
// snapshot is built and delivered on the lane), and the idle sweep (recordTtlMs,
// sessionIdleMs). The engine has no clock: the runtime calls advance(now) when due.

import { finalizeRun } from '../finalize/finalize-run.ts';
import { snapshotRun } from '../finalize/snapshot.ts';
import { releaseDelivered } from './release-runs.ts';
import { IN_FLIGHT_TTL_FACTOR, RECENT_RUNS_CAP } from '../util/caps.ts';
import { lruInsert } from '../util/lru.ts';
import type { EngineContext } from './context.ts';
import { newCall } from './llm-calls.ts';
import { mark } from './marks.ts';
import { applyOutput } from './message-pairing.ts';
import { closeSession } from './sessions.ts';
import type { RunState, SessionState } from './state.ts';

export function scheduleFinalize(ctx: EngineContext, rs: RunState, at: number): void {
  // finalize() itself pairs leftover assistant messages, which can land here: a run that
  // is already finished must not go back into `finalizing` (it would stay there for good).
  if (ctx.runs.get(rs.run.runId) !== rs) return;
  // Both ends seen: due now, but finalized by the next advance(), not inside this event's
  // handling: finalizing applies the capture policy (a secret scan of the whole run, system
  // prompt included, hundreds of µs) and that does not belong on a hook handler's clock.
  rs.finalizeAt = rs.agentEnded && rs.sawLlmOutput ? at : at + ctx.cfg.llmOutputGraceMs;
  ctx.finalizing.add(rs);
  if (rs.finalizeAt < ctx.deadlines.earliest) ctx.deadlines.earliest = rs.finalizeAt;
}

export function finalize(ctx: EngineContext, rs: RunState, at: number): void {
  if (ctx.runs.get(rs.run.runId) !== rs) return;
  ctx.runs.delete(rs.run.runId);
  ctx.finalizing.delete(rs);
  rs.finalizeAt = undefined;
  const s = rs.session;
  s.runs.delete(rs.run.runId);
  if (s.active === rs) s.active = [...s.runs.values()].pop();
  ctx.recent.delete(rs.run.runId);
  const evicted = lruInsert(ctx.recent, rs.run.runId, rs, RECENT_RUNS_CAP);
  s.recent.set(rs.run.runId, rs);
  if (evicted?.[1]) {
    ctx.runIndex.remove(evicted[1]);
    evicted[1].session.recent.delete(evicted[0]);
  }
  // Assistant messages no call could take are still LLM calls that happened: keep them, flagged.
  let k = 0;
  for (const p of rs.pendingOutputs.splice(0)) {
    const call = newCall(ctx, rs, `${rs.run.runId}:unpaired:${++k}`);
    applyOutput(ctx, rs, call, p.message, p.at);
  }
  ctx.defer(() => {
    finalizeRun(rs, at, ctx.capture, (list, time, name, severity, message, attrs) => mark(ctx, list, time, name, severity, message, attrs));
    // From here on the outputs hold a frozen copy; the working run is never delivered.
    const run = snapshotRun(rs.run);
    rs.delivered = run;
    release(rs);
    insertDelivered(s, rs.ordinal, run);
    ctx.out.runEnded(s.session, run);
    // Every output has the full run now: the session keeps its summary.
    // The run remembered for a late llm_output is the summary too: its amendment only adds
    // marks, which the ATIF sink patches into the serialized steps.
    if (ctx.releaseContent) rs.run = rs.delivered = releaseDelivered(s, run, ctx.keepSessionIo);
  });
}

/** The working copy is done with: a run remembered for late events keeps only its snapshot. */
function release(rs: RunState): void {
  rs.run = rs.delivered!;
  rs.calls.clear();
  rs.owner.clear();
  rs.tools.clear();
  rs.inputCount.clear();
  rs.written.clear();
  rs.transcript.length = 0;
  rs.history = undefined;
  rs.requestBodies = undefined;
  rs.userMessage = undefined;
}

/** Delivered runs stay in the order the runs opened, whatever order they finished in. */
function insertDelivered(s: SessionState, ordinal: number, run: RunState['run']): void {
  let i = s.delivered.length;
  while (i > 0 && s.delivered[i - 1]! > ordinal) i--;
  s.delivered.splice(i, 0, ordinal);
  s.session.runs.splice(i, 0, run);
}

/** Finalizes runs whose grace window ended and expires idle records. */
export function advance(ctx: EngineContext, now: number): void {
  if (now >= ctx.deadlines.earliest) {
    ctx.deadlines.earliest = Infinity;
    for (const rs of [...ctx.finalizing]) {
      if (rs.finalizeAt !== undefined && rs.finalizeAt <= now) finalize(ctx, rs, now);
      else if (rs.finalizeAt !== undefined) ctx.deadlines.earliest = Math.min(ctx.deadlines.earliest, rs.finalizeAt);
    }
  }
  if (now >= ctx.deadlines.nextSweep) sweep(ctx, now);
}

export function nextDeadline(ctx: EngineContext): number {
  // Before the first sweep (nextSweep 0) one is due as soon as anything is held: otherwise
  // a stream in which no run ever reaches its grace window would never expire anything.
  const sweepAt = ctx.deadlines.nextSweep || (ctx.sessions.size > 0 ? 0 : Infinity);
  return Math.min(ctx.deadlines.earliest, sweepAt);
}

/** Expires idle runs (recordTtlMs) and idle sessions (sessionIdleMs). */
function sweep(ctx: EngineContext, now: number): void {
  const { cfg } = ctx;
  ctx.deadlines.nextSweep = now + Math.max(50, Math.min(cfg.recordTtlMs, cfg.sessionIdleMs, 60_000) / 4);
  for (const rs of [...ctx.runs.values()]) {
    const idle = now - rs.lastActivity;
    if (idle < cfg.recordTtlMs) break;
    // A slow model call or tool legitimately keeps a run quiet; give it longer.
    if (inFlight(rs) && idle < cfg.recordTtlMs * IN_FLIGHT_TTL_FACTOR) continue;
    ctx.counters.recordsExpired++;
    mark(ctx, rs.run.marks, now, 'run.expired', 'warning',
      `no event for ${cfg.recordTtlMs} ms (correlation.recordTtlMs); exported with what was known`);
    finalize(ctx, rs, now);
  }
  for (const s of ctx.sessions.values()) {
    if (now - s.lastActivity < cfg.sessionIdleMs) break;
    if (s.runs.size > 0) continue;
    closeSession(ctx, s, now, 'idle');
  }
  for (const s of ctx.sessions.values()) {
    if (s.pendingUser.length === 0) continue;
    while (s.pendingUser.length && now - s.pendingUser[0]!.at >= cfg.recordTtlMs) {
      s.pendingUser.shift();
      ctx.counters.recordsExpired++;
    }
  }
  // Runs also leave without an add to trigger the index's own sweep (the workload ended).
  ctx.runIndex.prune(ctx);
}

function inFlight(rs: RunState): boolean {
  const last = rs.run.llmCalls[rs.run.llmCalls.length - 1];
  if (last && last.startTime !== undefined && last.endTime === undefined) return true;
  for (const t of rs.tools.values()) if (t.endTime === undefined) return true;
  return false;
}
