// `mark_projection` (published endpoint field): how a span's marks reach the backend.
// - `inherit` / `event` (the default of both projections): span events on the marked span.
// - `tool`: each mark becomes a child span of the span it marks, so backends that hide or
//   flatten span events (Phoenix's trace tree, most span-list views) still show them.
//   The child is an instant (start = end = the mark's time), in its parent's trace, with an
//   id of its own; it is planned beside the other spans of the run, so the queue counts,
//   batches, spools and drops it like any other span.
// mark_exclude_names applies to both forms: an excluded mark is neither an event nor a span.

import type { MarkProjection } from '../../config/types.ts';
import type { Mark } from '../../trace/model.ts';
import type { MarkedKind, PlannedSpan, SpanIds, SpanSubject } from './span-plan.ts';

export type MarkPlanner = (spans: PlannedSpan[]) => PlannedSpan[];

/** Identity unless the endpoint asks for `tool`. */
export function markPlanner(mode: MarkProjection | undefined, excludeNames: readonly string[] | undefined, ids: SpanIds): MarkPlanner {
  if (mode !== 'tool') return (spans) => spans;
  const exclude = new Set(excludeNames ?? []);
  return (spans) => {
    const out: PlannedSpan[] = [];
    for (const span of spans) {
      const marks: Mark[] = [];
      const events = span.events.filter((e) => {
        if (e.mark === undefined) return true;
        if (!exclude.has(e.mark.name)) marks.push(e.mark);
        return false;
      });
      out.push(events.length === span.events.length ? span : { ...span, events });
      for (const mark of marks) out.push(markSpan(span, mark, ids));
    }
    return out;
  };
}

function markSpan(parent: PlannedSpan, mark: Mark, ids: SpanIds): PlannedSpan {
  const s = parent.subject;
  if (s.kind === 'mark') throw new Error('a mark span has no marks of its own');
  const on: MarkedKind = s.kind;
  const subject: SpanSubject = { kind: 'mark', session: s.session, root: s.root, run: s.kind === 'session' ? undefined : s.run, mark, on };
  const planned: PlannedSpan = {
    subject,
    traceId: parent.traceId,
    spanId: ids.fresh(mark),
    parentSpanId: parent.spanId,
    links: [],
    // markEvents only keeps marks with a finite time.
    startTime: mark.time,
    endTime: mark.time,
    timesInferred: { start: false, end: false },
    // An error mark (e.g. a blocked tool) shows red where the backend colours failures.
    status: mark.severity === 'error' ? { code: 'error', message: mark.message } : { code: 'unset' },
    events: [],
  };
  if (mark.severity === 'error') planned.errorType = mark.name;
  return planned;
}
