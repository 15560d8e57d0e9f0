// Pure: Session tree -> ATIF v1.7 trajectory object (undefined when there is no step).
// The writer produces the same document from cached serialized steps (render.ts); tests
// check the two agree.

import type { Run, Session } from '../../trace/model.ts';
import { rootOf } from '../../trace/model.ts';
import { annotateSteps } from './annotations.ts';
import { planDocument } from './document.ts';
import type { DocPlan, StepSource } from './document.ts';
import { runSteps } from './run-steps.ts';
import type { AtifMeta, AtifStepBody, AtifTrajectory } from './types.ts';

export interface BuildOptions {
  /** Limit the document to some runs (a checkpoint holds only runs that ended). Default: all. */
  includeRun?: (session: Session, run: Run) => boolean;
}

function materialize(plan: DocPlan<AtifStepBody>): AtifTrajectory {
  const out: AtifTrajectory = {
    ...plan.head,
    steps: plan.steps.map((body, i) => ({ step_id: i + 1, ...body })),
    final_metrics: plan.final_metrics,
  };
  if (plan.children.length > 0) out.subagent_trajectories = plan.children.map(materialize);
  if (plan.extra) out.extra = plan.extra;
  return out;
}

export function buildTrajectory(session: Session, meta: AtifMeta, opts: BuildOptions = {}): AtifTrajectory | undefined {
  const src: StepSource<AtifStepBody> = {
    includeRun: opts.includeRun ?? (() => true),
    runBlock: (s, run, prev, links, marks) => {
      const block = runSteps(s, run, prev, links.resolve, marks);
      return { ...block, steps: annotateSteps(block.steps, meta.runAnnotation?.(rootOf(s), run.runId)) };
    },
    markStep: (_s, step) => step,
  };
  const plan = planDocument(session, meta, src);
  return plan ? materialize(plan) : undefined;
}
