// The session span: where a session sits (a subagent's under the tool call that spawned it, or,
// when that tool lives in a run's own OpenClaw trace, under its parent session with a link to
// the spawner) and its times, from whatever is known when the session closes.

import { isValidTraceId } from '@opentelemetry/api';

import type { Run, Session, ToolSpan } from '../../trace/model.ts';
import { rootOf } from '../../trace/model.ts';
import { allTools, extent, finite, markEvents, ownTimes, resolve, type PlannedLink, type PlannedSpan, type SpanIds, type Times } from './span-plan.ts';

/** The trace a run's spans went to (per-run mode: OpenClaw's; else the session's). */
function traceOfRun(session: Session, run: Run, ids: SpanIds): string {
  return run.trace !== undefined && isValidTraceId(run.trace.traceId) ? run.trace.traceId : ids.trace(session);
}

/**
 * The span a subagent's session hangs under: the parent's tool call that spawned it, else
 * the parent's run, else the parent session; with the trace that span lives in. Undefined
 * for a top-level session.
 */
export function spawnerOfSession(session: Session, ids: SpanIds): { traceId: string; spanId: string } | undefined {
  const parent = session.parentSession;
  if (!parent) return undefined;
  const link = session.parent;
  const spawner = (match: (tool: ToolSpan) => boolean): { traceId: string; spanId: string } | undefined => {
    for (const run of parent.runs) {
      const hit = allTools(run).find(match);
      if (hit) return { traceId: traceOfRun(parent, run, ids), spanId: ids.span(hit) };
    }
    return undefined;
  };
  const tool =
    (link?.toolCallId !== undefined ? spawner((t) => t.toolCallId === link.toolCallId) : undefined) ??
    spawner((t) => t.childSessionKey === session.sessionKey);
  if (tool) return tool;
  // The parent's run may not be delivered yet (still open when the child ended): the link
  // carries the span ids (and trace) the engine knew when it linked them.
  const linkedTrace = link?.runTraceId !== undefined && isValidTraceId(link.runTraceId) ? link.runTraceId : ids.trace(parent);
  if (link?.toolSpanId !== undefined) return { traceId: linkedTrace, spanId: ids.span({ spanId: link.toolSpanId }) };
  if (link?.runId !== undefined) {
    const run = parent.runs.find((r) => r.runId === link.runId);
    if (run) return { traceId: traceOfRun(parent, run, ids), spanId: ids.span(run) };
  }
  if (link?.runSpanId !== undefined) return { traceId: linkedTrace, spanId: ids.span({ spanId: link.runSpanId }) };
  return { traceId: ids.trace(parent), spanId: ids.span(parent) };
}

/** The parent span id of a session span (same trace only); undefined for a top-level session. */
export function parentSpanIdOfSession(session: Session, ids: SpanIds): string | undefined {
  const spawner = spawnerOfSession(session, ids);
  if (!spawner || !session.parentSession) return undefined;
  // A spawner in a run's own trace (per-run mode) cannot be the parent of a span in the
  // session trace: the session hangs under its parent session and links to the spawner.
  return spawner.traceId === ids.trace(session) ? spawner.spanId : ids.span(session.parentSession);
}

/** The session span, with whatever is known when the session closes (end time may be missing). */
export function planSession(session: Session, now: () => number, ids: SpanIds): PlannedSpan {
  const root = rootOf(session);
  const extents: Times[] = session.runs.map((run) => ownTimes(run.startTime, run.endTime, run.durationMs));
  for (const run of session.runs) {
    for (const call of run.llmCalls) extents.push(ownTimes(call.startTime, call.endTime, call.durationMs));
    for (const tool of allTools(run)) extents.push(ownTimes(tool.startTime, tool.endTime, tool.durationMs));
  }
  for (const child of session.children) extents.push({ start: finite(child.startTime), end: finite(child.endTime) });
  const times = resolve(ownTimes(session.startTime, session.endTime, undefined), extent(extents), undefined, now);
  const sessionSpan: PlannedSpan = {
    subject: { kind: 'session', session, root },
    traceId: ids.trace(session),
    spanId: ids.span(session),
    parentSpanId: parentSpanIdOfSession(session, ids),
    links: sessionLinks(session, ids),
    ...times,
    // A session has no success of its own; its failures live on its runs and calls.
    status: { code: 'unset' },
    events: markEvents(session.marks),
  };
  return sessionSpan;
}

function sessionLinks(session: Session, ids: SpanIds): PlannedLink[] {
  const spawner = spawnerOfSession(session, ids);
  if (!spawner || spawner.traceId === ids.trace(session)) return [];
  return [{ ...spawner, attributes: { 'nemo_relay.link': 'spawned_by' } }];
}
