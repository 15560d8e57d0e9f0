// The engine's tables, measured: what status reports and what the tests check the caps
// against (src/util/caps.ts), without reaching into the maps.

import type { EngineContext } from './context.ts';

/** How much the engine holds, table by table: status and tests read this, never the maps. */
export interface EngineSizes {
  openSessions: number;
  openRuns: number;
  /** Finished runs remembered for late events (RECENT_RUNS_CAP). */
  recentRuns: number;
  /** The same runs as the open sessions list them (closing a session visits only its own). */
  sessionRecentRuns: number;
  finalizing: number;
  segments: number;
  pendingLineage: number;
  spawnedRuns: number;
  sessionIds: number;
  /** The largest per-key buffers across open sessions and runs (each capped by maxRecordsPerKey). */
  maxRunsPerSession: number;
  maxPendingUser: number;
  maxPendingTools: number;
  maxPendingOutputs: number;
  /** Buffered records waiting for a partner event. */
  bufferedRecords: number;
}

export function sizesOf(ctx: EngineContext): EngineSizes {
  let buffered = ctx.pendingLineage.size;
  let maxRunsPerSession = 0;
  let maxPendingUser = 0;
  let maxPendingTools = 0;
  let maxPendingOutputs = 0;
  let sessionRecentRuns = 0;
  for (const rs of ctx.runs.values()) {
    buffered += rs.pendingTools.length + rs.pendingOutputs.length;
    maxPendingTools = Math.max(maxPendingTools, rs.pendingTools.length);
    maxPendingOutputs = Math.max(maxPendingOutputs, rs.pendingOutputs.length);
  }
  for (const s of ctx.sessions.values()) {
    buffered += s.pendingUser.length;
    maxPendingUser = Math.max(maxPendingUser, s.pendingUser.length);
    maxRunsPerSession = Math.max(maxRunsPerSession, s.runs.size);
    sessionRecentRuns += s.recent.size;
  }
  return {
    openSessions: ctx.sessions.size,
    openRuns: ctx.runs.size,
    recentRuns: ctx.recent.size,
    sessionRecentRuns,
    finalizing: ctx.finalizing.size,
    segments: ctx.segments.size,
    pendingLineage: ctx.pendingLineage.size,
    spawnedRuns: ctx.spawnedRuns.size,
    sessionIds: ctx.keyBySessionId.size,
    maxRunsPerSession,
    maxPendingUser,
    maxPendingTools,
    maxPendingOutputs,
    bufferedRecords: buffered,
  };
}
