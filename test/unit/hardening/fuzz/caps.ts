// The correlation caps the fuzz configures and checks after every single delivery: a
// generated stream must never make the engine hold more than its caps allow, however
// hostile the ids and however out of order the events.

import type { Plugin } from '../helpers.ts';

/** The correlation config every fuzzed plugin runs with: small, so streams hit the caps. */
export const CAPS = { llmOutputGraceMs: 50, recordTtlMs: 1000, maxRecordsPerKey: 4, sessionIdleMs: 4000, maxOpenSessions: 6 };

// ==== NUMBERS COPIED FROM src/ ==============================================================
// The engine and runtime hard-code these bounds; the fuzz restates them here, and ONLY here.
// When src/ exports them (a caps module), replace this block with imports of the same names.
// Values are exactly those the fuzz test always checked; where src/ holds a tighter number,
// it says so (the check is then looser than the source, not wrong).
export const SOURCE_CAPS = {
  /** src/correlate/engine.ts: pendingLineage holds at most maxRecordsPerKey * 64 entries. */
  lineagePerRecord: 64,
  /** src/correlate/engine.ts RECENT_RUNS is 128; the fuzz has always allowed up to 1024. */
  recentRuns: 1024,
  /** src/correlate/engine.ts: segments holds at most 4 * maxOpenSessions keys. */
  segmentsPerOpenSession: 4,
  /** src/correlate/engine.ts: spawnedRuns drops its oldest beyond 4096. */
  spawnedRuns: 4096,
  /** src/runtime/runtime.ts MALFORMED_SAMPLES: the status keeps the last 20 malformed samples. */
  malformedSamples: 20,
} as const;
// ==== END OF NUMBERS COPIED FROM src/ =======================================================

/** The correlation caps, checked after every delivery; throws naming the cap that broke. */
export function checkCaps(p: Plugin): void {
  const engine = p.runtime.engine;
  // The engine keeps these private; reading them is the only way to see that they stay bounded.
  const internals = engine as unknown as {
    sessions: Map<string, { runs: Map<string, unknown>; pendingUser: unknown[] }>;
    runs: Map<string, { pendingTools: unknown[]; pendingOutputs: unknown[] }>;
    recent: Map<unknown, unknown>;
    finalizing: Set<unknown>;
    segments: Map<unknown, unknown>;
    pendingLineage: Map<unknown, unknown>;
    spawnedRuns: Map<unknown, unknown>;
    keyBySessionId: Map<unknown, unknown>;
  };
  const cap = CAPS.maxRecordsPerKey;
  if (engine.openSessions > CAPS.maxOpenSessions) throw new Error(`open sessions ${engine.openSessions} > ${CAPS.maxOpenSessions}`);
  if (engine.openRuns > CAPS.maxOpenSessions * cap) throw new Error(`open runs ${engine.openRuns} > ${CAPS.maxOpenSessions * cap}`);
  for (const s of internals.sessions.values()) {
    if (s.runs.size > cap) throw new Error(`a session holds ${s.runs.size} open runs > ${cap}`);
    if (s.pendingUser.length > cap) throw new Error('pendingUser over the cap');
  }
  for (const r of internals.runs.values()) {
    if (r.pendingTools.length > cap || r.pendingOutputs.length > cap) throw new Error('a run buffers more than maxRecordsPerKey records');
  }
  const lineageCap = cap * SOURCE_CAPS.lineagePerRecord;
  if (internals.pendingLineage.size > lineageCap) throw new Error('pending lineage over its cap');
  if (engine.bufferedRecords > lineageCap + CAPS.maxOpenSessions * cap + engine.openRuns * 2 * cap) throw new Error('buffered records over the caps');
  if (internals.recent.size > SOURCE_CAPS.recentRuns) throw new Error(`recent runs over ${SOURCE_CAPS.recentRuns}`);
  if (internals.finalizing.size > engine.openRuns) throw new Error('finalizing holds closed runs');
  if (internals.segments.size > SOURCE_CAPS.segmentsPerOpenSession * CAPS.maxOpenSessions) throw new Error('segments over the cap');
  if (internals.spawnedRuns.size > SOURCE_CAPS.spawnedRuns) throw new Error('spawnedRuns over the cap');
  if (internals.keyBySessionId.size > engine.openSessions) throw new Error('keyBySessionId holds closed sessions');
  if (p.runtime.malformedSamples.length > SOURCE_CAPS.malformedSamples) throw new Error(`malformed samples over ${SOURCE_CAPS.malformedSamples}`);
}
