// Annotations (nemoRelay.annotate) in a trajectory: the session's on the root `extra.annotations`,
// a run's on `extra.annotations` of each of that run's steps. Open sessions get them at the
// next render; a file already finalized is patched in place of a re-render (its session's
// content is gone from memory by then).

import type { Annotation } from '../../trace/annotation.ts';
import { mergeAnnotation } from '../../trace/annotation.ts';
import type { AtifStepBody, JsonObject } from './types.ts';

export interface SessionAnnotations {
  session?: Annotation;
  runs: Map<string, Annotation>;
}

export function record(into: SessionAnnotations, runId: string | undefined, a: Annotation): void {
  if (runId === undefined) into.session = mergeAnnotation(into.session, a);
  else into.runs.set(runId, mergeAnnotation(into.runs.get(runId), a));
}

/** The run's steps with the annotation on each (new objects: the steps may be shared). */
export function annotateSteps(steps: AtifStepBody[], a: Annotation | undefined): AtifStepBody[] {
  if (!a) return steps;
  return steps.map((s) => ({ ...s, extra: { ...s.extra, annotations: a as JsonObject } }));
}

interface DocLike {
  steps?: { extra?: Record<string, unknown> }[];
  extra?: Record<string, unknown>;
}

/**
 * Applies an annotation to a parsed trajectory file (merged over what it already carries).
 * False when a named run has no step in it.
 */
export function patchDocument(doc: DocLike, runId: string | undefined, a: Annotation): boolean {
  if (runId === undefined) {
    const extra = (doc.extra ??= {});
    extra.annotations = mergeAnnotation(extra.annotations as Annotation | undefined, a);
    return true;
  }
  // A run's steps: from the user step that names it up to the next step naming another run.
  let inRun = false;
  let found = false;
  for (const step of doc.steps ?? []) {
    const named = step.extra?.run_id;
    if (typeof named === 'string') inRun = named === runId;
    if (!inRun) continue;
    found = true;
    const extra = (step.extra ??= {});
    extra.annotations = mergeAnnotation(extra.annotations as Annotation | undefined, a);
  }
  return found;
}
