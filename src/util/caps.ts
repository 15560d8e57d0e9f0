// Every fixed bound on what the plugin holds in memory, named once. The configurable ones
// (correlation.maxOpenSessions, maxRecordsPerKey, recordTtlMs) come from the config; these
// are the multipliers and constants around them. Code and tests import them from here, so a
// test can never check a number the code no longer uses.

/** Child runs named by subagent_spawned, remembered until their first hook (identity view). */
export const SPAWNED_RUNS_CAP = 4096;

/** Subagent lineage waiting for its child session: maxRecordsPerKey times this. */
export const PENDING_LINEAGE_FACTOR = 64;

/** A run with a model call or tool in flight is expired after recordTtlMs times this. */
export const IN_FLIGHT_TTL_FACTOR = 6;

/** Finished runs remembered for a late llm_output; each holds its content, so keep few. */
export const RECENT_RUNS_CAP = 128;

/** Segment counters per session key: maxOpenSessions times this. */
export const SEGMENTS_FACTOR = 4;

/** Malformed-payload samples kept for nemoRelay.status. */
export const MALFORMED_SAMPLES_CAP = 20;

export function pendingLineageCap(maxRecordsPerKey: number): number {
  return maxRecordsPerKey * PENDING_LINEAGE_FACTOR;
}

export function segmentsCap(maxOpenSessions: number): number {
  return maxOpenSessions * SEGMENTS_FACTOR;
}
