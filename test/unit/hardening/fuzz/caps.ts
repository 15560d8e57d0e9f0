// The correlation caps the fuzz configures and checks after every single delivery: a
// generated stream must never make the engine hold more than its caps allow, however
// hostile the ids and however out of order the events.

import { MALFORMED_SAMPLES_CAP, RECENT_RUNS_CAP, SPAWNED_RUNS_CAP, pendingLineageCap, segmentsCap } from '../../../../src/util/caps.ts';
import type { Plugin } from '../helpers.ts';

/** The correlation config every fuzzed plugin runs with: small, so streams hit the caps. */
export const CAPS = { llmOutputGraceMs: 50, recordTtlMs: 1000, maxRecordsPerKey: 4, sessionIdleMs: 4000, maxOpenSessions: 6 };


/** The correlation caps, checked after every delivery; throws naming the cap that broke. */
export function checkCaps(p: Plugin): void {
  const sizes = p.runtime.engine.sizes();
  const cap = CAPS.maxRecordsPerKey;
  if (sizes.openSessions > CAPS.maxOpenSessions) throw new Error(`open sessions ${sizes.openSessions} > ${CAPS.maxOpenSessions}`);
  if (sizes.openRuns > CAPS.maxOpenSessions * cap) throw new Error(`open runs ${sizes.openRuns} > ${CAPS.maxOpenSessions * cap}`);
  if (sizes.maxRunsPerSession > cap) throw new Error(`a session holds ${sizes.maxRunsPerSession} open runs > ${cap}`);
  if (sizes.maxPendingUser > cap) throw new Error('pendingUser over the cap');
  if (sizes.maxPendingTools > cap || sizes.maxPendingOutputs > cap) throw new Error('a run buffers more than maxRecordsPerKey records');
  const lineageCap = pendingLineageCap(cap);
  if (sizes.pendingLineage > lineageCap) throw new Error('pending lineage over its cap');
  if (sizes.bufferedRecords > lineageCap + CAPS.maxOpenSessions * cap + sizes.openRuns * 2 * cap) throw new Error('buffered records over the caps');
  if (sizes.recentRuns > RECENT_RUNS_CAP) throw new Error(`recent runs over ${RECENT_RUNS_CAP}`);
  if (sizes.sessionRecentRuns > sizes.recentRuns) throw new Error('sessions list recent runs the engine no longer holds');
  if (sizes.finalizing > sizes.openRuns) throw new Error('finalizing holds closed runs');
  if (sizes.segments > segmentsCap(CAPS.maxOpenSessions)) throw new Error('segments over the cap');
  if (sizes.spawnedRuns > SPAWNED_RUNS_CAP) throw new Error('spawnedRuns over the cap');
  if (sizes.sessionIds > sizes.openSessions) throw new Error('keyBySessionId holds closed sessions');
  if (p.runtime.malformedSamples.length > MALFORMED_SAMPLES_CAP) throw new Error(`malformed samples over ${MALFORMED_SAMPLES_CAP}`);
}
