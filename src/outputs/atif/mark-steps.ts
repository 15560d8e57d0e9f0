// Marks that become steps. Only a compaction is a step: it changes what the model sees from
// then on, which RFC 0001 section VII expresses as a system step with
// extra.context_management {type:"compaction", boundary:"replace"}. Every other mark is a
// diagnostic and travels in the `extra` of the step (or trajectory) it belongs to.

import type { Mark } from '../../trace/model.ts';
import type { AtifStepBody } from './types.ts';
import { isCompactionMark, isoTime, markJson } from './values.ts';

export interface TimedStep {
  /** Epoch ms used to place the step among others; undefined sorts last. */
  time: number | undefined;
  step: AtifStepBody;
}

export function compactionStep(mark: Mark): AtifStepBody {
  const step: AtifStepBody = {
    source: 'system',
    message: typeof mark.message === 'string' && mark.message.length > 0 ? mark.message : 'Context compaction',
  };
  const timestamp = isoTime(mark.time);
  if (timestamp) step.timestamp = timestamp;
  // With boundary "replace" the RFC reads observation content as the new context; only a
  // summary the engine actually saw is put there.
  const summary = mark.attributes?.['summary'];
  if (typeof summary === 'string' && summary.length > 0) step.observation = { results: [{ content: summary }] };
  step.extra = { context_management: { type: 'compaction', boundary: 'replace' }, mark: markJson(mark) };
  return step;
}

/** Splits marks into compaction steps (in time order) and the rest (diagnostics). */
export function splitMarks(marks: readonly Mark[]): { steps: TimedStep[]; other: Mark[] } {
  const steps: TimedStep[] = [];
  const other: Mark[] = [];
  for (const m of marks) {
    if (isCompactionMark(m)) steps.push({ time: typeof m.time === 'number' ? m.time : undefined, step: compactionStep(m) });
    else other.push(m);
  }
  steps.sort((a, b) => (a.time ?? Infinity) - (b.time ?? Infinity));
  return { steps, other };
}

/**
 * OpenClaw compacts in the middle of a run (before a model call), and the engine records it on
 * the session with the run's id. Such marks belong inside that run, between its LLM calls;
 * the rest stay session-level.
 */
export function compactionsByRun(marks: readonly Mark[], runIds: ReadonlySet<string>): { byRun: Map<string, Mark[]>; rest: Mark[] } {
  const byRun = new Map<string, Mark[]>();
  const rest: Mark[] = [];
  for (const m of marks) {
    const runId = m.attributes?.['runId'];
    if (isCompactionMark(m) && typeof runId === 'string' && runIds.has(runId)) {
      const list = byRun.get(runId);
      if (list) list.push(m);
      else byRun.set(runId, [m]);
    } else rest.push(m);
  }
  return { byRun, rest };
}

/**
 * Merges timed mark steps into an already ordered list of timed anchors: each mark step goes
 * before the first anchor that started after it. `emit` receives either kind in final order.
 */
export function interleave<A>(
  anchors: readonly A[],
  timeOf: (a: A) => number | undefined,
  marks: readonly TimedStep[],
  emit: (item: { anchor: A } | { mark: AtifStepBody }) => void,
): void {
  let m = 0;
  for (const a of anchors) {
    const t = timeOf(a);
    if (t !== undefined) {
      while (m < marks.length && marks[m]!.time !== undefined && marks[m]!.time! < t) emit({ mark: marks[m++]!.step });
    }
    emit({ anchor: a });
  }
  while (m < marks.length) emit({ mark: marks[m++]!.step });
}
