// A late correction (runAmended: today a late llm_output, which only adds marks) to a run whose
// content is gone: its serialized steps are patched instead of rebuilt. A run's marks other
// than compactions are the `extra.marks` of its user step (run-steps.ts), the last key of that
// extra, so replacing them there gives the bytes a fresh render would. A change in compaction
// marks (steps of their own) cannot be patched: the caller reuses the steps as they are.

import type { Mark, Run } from '../../trace/model.ts';
import type { AtifStepBody } from './types.ts';
import { isCompactionMark, markJson } from './values.ts';

const NO_MARKS = '[]';

/** What a run's serialized steps depend on among its marks: the user step's marks, and how many compactions. */
export function marksKey(run: Run): { other: string; compactions: number } {
  const other = run.marks.filter((m) => !isCompactionMark(m));
  // Most runs have no other marks: one shared "[]" rather than one per open session.
  return { other: other.length === 0 ? NO_MARKS : JSON.stringify(other.map(markJson)), compactions: run.marks.length - other.length };
}

/** The user step of `run` among its serialized steps, with `marks` as its extra.marks; undefined if there is none. */
export function patchUserMarks(steps: Buffer[], run: Run, marks: readonly Mark[]): Buffer[] | undefined {
  const other = marks.filter((m) => !isCompactionMark(m));
  for (let i = 0; i < steps.length; i++) {
    const step = JSON.parse(`{${steps[i]!.toString('utf8')}`) as AtifStepBody;
    if (step.source !== 'user' || step.extra?.run_id !== run.runId) continue;
    const extra = { ...step.extra };
    delete extra.marks;
    if (other.length > 0) extra.marks = other.map(markJson);
    step.extra = extra;
    const out = [...steps];
    out[i] = Buffer.from(JSON.stringify(step).slice(1), 'utf8');
    return out;
  }
  return undefined;
}
