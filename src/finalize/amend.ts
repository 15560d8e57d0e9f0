// A late correction to a run the outputs already received. The delivered snapshot is never
// touched: the amendment carries a fresh frozen run with the correction applied, and the
// session's later deliveries carry that run in its place.

import type { Mark, Run, RunAmendment, Usage } from '../trace/model.ts';
import { deepFrozenCopy } from './snapshot.ts';

export interface Correction {
  reason: RunAmendment['reason'];
  reportedUsage?: Usage;
  marks: Mark[];
}

export function amendRun(delivered: Run, correction: Correction): RunAmendment {
  const seen = new Map<object, unknown>();
  const marks = deepFrozenCopy(correction.marks, seen) as Mark[];
  const reportedUsage = correction.reportedUsage === undefined ? undefined : (deepFrozenCopy(correction.reportedUsage, seen) as Usage);
  // The rest of the run is already frozen: share it rather than copy it.
  const run: Run = Object.freeze({
    ...delivered,
    ...(reportedUsage ? { reportedUsage } : {}),
    marks: Object.freeze([...delivered.marks, ...marks]) as Mark[],
  });
  return Object.freeze({
    kind: 'run_amendment' as const,
    reason: correction.reason,
    runId: delivered.runId,
    spanId: delivered.spanId,
    ...(reportedUsage ? { reportedUsage } : {}),
    marks,
    run,
  });
}
