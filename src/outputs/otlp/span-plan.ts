// Turns the trace model into neutral span records: ids, parent links, times, status and
// events, but no convention-specific attributes (those come from a SpanProjection).
//
// Everything here reads the model as it is; nothing is invented except where a time is
// missing, and then the span says so (`timesInferred`) instead of pretending.

import { randomBytes } from 'node:crypto';

import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';

import type { EpochMs, LlmCall, Mark, Run, Session, ToolSpan } from '../../trace/model.ts';
import { rootOf } from '../../trace/model.ts';

/** What a span stands for, with the model objects a projection reads its attributes from. */
export type SpanSubject =
  | { readonly kind: 'session'; readonly session: Session; readonly root: Session }
  | { readonly kind: 'run'; readonly session: Session; readonly root: Session; readonly run: Run }
  | {
      readonly kind: 'llm';
      readonly session: Session;
      readonly root: Session;
      readonly run: Run;
      readonly call: LlmCall;
    }
  | {
      readonly kind: 'tool';
      readonly session: Session;
      readonly root: Session;
      readonly run: Run;
      /** The LLM call that requested the tool; undefined for an orphan tool. */
      readonly call: LlmCall | undefined;
      readonly tool: ToolSpan;
    }
  | {
      /** A mark as a child span of the span it marks (`mark_projection: "tool"`, mark-spans.ts). */
      readonly kind: 'mark';
      readonly session: Session;
      readonly root: Session;
      /** Undefined for a mark on a session span. */
      readonly run: Run | undefined;
      readonly mark: Mark;
      /** What the marked (parent) span stands for. */
      readonly on: MarkedKind;
    };

export type MarkedKind = 'session' | 'run' | 'llm' | 'tool';

export type PlannedAttributeValue = string | number | boolean;

export interface PlannedEvent {
  name: string;
  time: EpochMs;
  attributes: Record<string, PlannedAttributeValue>;
  /** The mark this event shows (not set for `exception`): mark-spans.ts turns it into a span. */
  mark?: Mark;
}

/** A span link: a related span in another trace (a run's session, a subagent's spawning tool). */
export interface PlannedLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, PlannedAttributeValue>;
}

export interface PlannedSpan {
  subject: SpanSubject;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  links: PlannedLink[];
  startTime: EpochMs;
  endTime: EpochMs;
  /** Which of the two times were derived (from a duration, the children, the parent or the clock). */
  timesInferred: { start: boolean; end: boolean };
  status: { code: 'ok' | 'error' | 'unset'; message?: string };
  /** For status `error`: a short, low-cardinality `error.type`. */
  errorType?: string;
  events: PlannedEvent[];
}

export interface Times {
  start?: EpochMs;
  end?: EpochMs;
  /** Set when the time came from the other end and OpenClaw's measured duration. */
  derived?: { start: boolean; end: boolean };
}

export function finite(t: number | undefined): number | undefined {
  return typeof t === 'number' && Number.isFinite(t) ? t : undefined;
}

/** A span's own times: the hook times, completed by OpenClaw's measured duration. */
export function ownTimes(startTime: number | undefined, endTime: number | undefined, durationMs: number | undefined): Times {
  const s = finite(startTime);
  const e = finite(endTime);
  const d = finite(durationMs);
  const start = s ?? (e !== undefined && d !== undefined && d >= 0 ? e - d : undefined);
  const end = e ?? (s !== undefined && d !== undefined && d >= 0 ? s + d : undefined);
  const out: Times = { derived: { start: s === undefined && start !== undefined, end: e === undefined && end !== undefined } };
  if (start !== undefined) out.start = start;
  if (end !== undefined) out.end = end;
  return out;
}

export function extent(children: Times[]): Times {
  let start: number | undefined;
  let end: number | undefined;
  for (const c of children) {
    for (const t of [c.start, c.end]) {
      if (t === undefined) continue;
      start = start === undefined ? t : Math.min(start, t);
      end = end === undefined ? t : Math.max(end, t);
    }
  }
  const out: Times = {};
  if (start !== undefined) out.start = start;
  if (end !== undefined) out.end = end;
  return out;
}

/**
 * Final times for one span: its own, else the extent of its children, else the other end
 * of itself, else its parent's start, else the clock (a span is never dropped for lack of
 * a time: an export with a guessed time and a flag beats a silent hole in the tree).
 */
export function resolve(own: Times, children: Times, parentStart: number | undefined, now: () => number) {
  let start = own.start;
  let end = own.end;
  const inferred = { start: start === undefined || own.derived?.start === true, end: end === undefined || own.derived?.end === true };
  start ??= children.start ?? end ?? children.end ?? parentStart;
  end ??= children.end ?? start;
  start ??= now();
  end ??= start;
  if (end < start) {
    // Clock skew between hook arrival stamps: keep the start, never emit a negative span.
    end = start;
    inferred.end = true;
  }
  return { startTime: start, endTime: end, timesInferred: inferred };
}

export function markEvents(marks: readonly Mark[]): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  for (const mark of marks) {
    const time = finite(mark.time);
    if (time === undefined) continue;
    const attributes: Record<string, PlannedAttributeValue> = {};
    for (const [k, v] of Object.entries(mark.attributes ?? {})) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
    }
    attributes['nemo_relay.mark.severity'] = mark.severity;
    attributes['nemo_relay.mark.message'] = mark.message;
    out.push({ name: mark.name, time, attributes, mark });
  }
  return out;
}

/** Error status plus the `exception` event OTel backends render as the failure. */
function failure(
  planned: Pick<PlannedSpan, 'status' | 'events' | 'endTime' | 'errorType'>,
  message: string | undefined,
  exceptionType: string,
  errorType: string,
): void {
  const text = message && message.length > 0 ? message : 'failed';
  planned.status = { code: 'error', message: text };
  planned.errorType = errorType;
  planned.events.push({
    name: 'exception',
    time: planned.endTime,
    attributes: { 'exception.type': exceptionType, 'exception.message': text },
  });
}

function okOrUnset(status: string): PlannedSpan['status'] {
  // `incomplete` (e.g. no end hook seen) is not a success: leave it UNSET for the backend.
  return status === 'ok' ? { code: 'ok' } : { code: 'unset' };
}

/**
 * Ids as the model gave them. A malformed id (which would corrupt the protobuf encoding)
 * is replaced by a random one, remembered per model object so that a parent and the
 * children that point at it still agree.
 */
/**
 * Random ids only replace ids the model got wrong, or stand for a span the model has no id
 * for (a mark shown as a span); a valid model id is always used as is.
 */
export class SpanIds {
  // Separate maps: a root session needs both a trace id and a span id repaired.
  private readonly traces = new WeakMap<object, string>();
  private readonly spans = new WeakMap<object, string>();

  /** The whole tree, subagents included, shares the root session's trace id. */
  trace(session: Session): string {
    const root = rootOf(session);
    return isValidTraceId(root.traceId) ? root.traceId : this.repair(this.traces, root, 16);
  }

  span(node: { spanId: string }): string {
    return isValidSpanId(node.spanId) ? node.spanId : this.repair(this.spans, node, 8);
  }

  /** A fresh id for a span the model has no id for (a mark shown as a span), stable per object. */
  fresh(node: object): string {
    return this.repair(this.spans, node, 8);
  }

  private repair(map: WeakMap<object, string>, node: object, bytes: number): string {
    let id = map.get(node);
    if (id === undefined) {
      do id = randomBytes(bytes).toString('hex');
      while (/^0+$/.test(id));
      map.set(node, id);
    }
    return id;
  }
}

function toolSpan(
  session: Session,
  root: Session,
  run: Run,
  call: LlmCall | undefined,
  tool: ToolSpan,
  traceId: string,
  parentSpanId: string,
  parentStart: number | undefined,
  now: () => number,
  ids: SpanIds,
): PlannedSpan {
  const times = resolve(ownTimes(tool.startTime, tool.endTime, tool.durationMs), {}, parentStart, now);
  const planned: PlannedSpan = {
    subject: { kind: 'tool', session, root, run, call, tool },
    traceId,
    spanId: ids.span(tool),
    parentSpanId,
    links: [],
    ...times,
    status: okOrUnset(tool.status),
    events: markEvents(tool.marks),
  };
  if (tool.blocked === true) failure(planned, tool.error ?? 'blocked', 'ToolBlocked', 'tool_blocked');
  else if (tool.status === 'error' || tool.error !== undefined) failure(planned, tool.error, 'ToolError', 'tool_error');
  return planned;
}

/**
 * The spans of one finished run: the run, its LLM calls, their tools, and the run's orphan
 * tools. Order: parents before children, in the model's order.
 */
export function planRun(session: Session, run: Run, now: () => number, ids: SpanIds): PlannedSpan[] {
  const root = rootOf(session);
  const sessionTraceId = ids.trace(session);
  const sessionSpanId = ids.span(session);
  // Per-run trace mode: the run lives in OpenClaw's trace, linked to its session span.
  const placed = run.trace !== undefined && isValidTraceId(run.trace.traceId) ? run.trace : undefined;
  const traceId = placed?.traceId ?? sessionTraceId;
  const runOwn = ownTimes(run.startTime, run.endTime, run.durationMs);

  const callOwn = run.llmCalls.map((call) => ownTimes(call.startTime, call.endTime, call.durationMs));
  const toolOwn = (tools: ToolSpan[]) => tools.map((t) => ownTimes(t.startTime, t.endTime, t.durationMs));
  const callExtents = run.llmCalls.map((call, i) => extent([callOwn[i] ?? {}, ...toolOwn(call.tools)]));
  const runTimes = resolve(runOwn, extent([...callExtents, ...toolOwn(run.orphanTools)]), undefined, now);

  const runSpanId = ids.span(run);
  const runSpan: PlannedSpan = {
    subject: { kind: 'run', session, root, run },
    traceId,
    spanId: runSpanId,
    parentSpanId: placed ? placedParent(placed) : sessionSpanId,
    links: placed ? [{ traceId: sessionTraceId, spanId: sessionSpanId, attributes: { 'nemo_relay.link': 'session' } }] : [],
    ...runTimes,
    status: okOrUnset(run.status),
    events: markEvents(run.marks),
  };
  if (run.status === 'error' || run.error !== undefined || run.success === false) {
    failure(runSpan, run.error, 'RunError', 'run_error');
  }
  const out: PlannedSpan[] = [runSpan];

  run.llmCalls.forEach((call, i) => {
    const callTimes = resolve(callOwn[i] ?? {}, extent(toolOwn(call.tools)), runSpan.startTime, now);
    const callSpan: PlannedSpan = {
      subject: { kind: 'llm', session, root, run, call },
      traceId,
      spanId: ids.span(call),
      // Under the diagnostics-otel exporter's model-call span when it owns the traceparent.
      parentSpanId: placed && call.trace?.parentIsExternal && call.trace.traceId === traceId ? placedParent(call.trace) : runSpanId,
      links: [],
      ...callTimes,
      status: okOrUnset(call.status),
      events: markEvents(call.marks),
    };
    if (call.status === 'error' || call.error !== undefined) {
      // outcome is OpenClaw's own low-cardinality word ("error", "aborted"): a good error.type.
      failure(callSpan, call.error ?? call.outcome, 'LlmCallError', call.outcome ?? 'model_call_error');
    }
    out.push(callSpan);
    for (const tool of call.tools) {
      out.push(toolSpan(session, root, run, call, tool, traceId, callSpan.spanId, callSpan.startTime, now, ids));
    }
  });
  for (const tool of run.orphanTools) {
    out.push(toolSpan(session, root, run, undefined, tool, traceId, runSpanId, runSpan.startTime, now, ids));
  }
  return out;
}

function placedParent(p: NonNullable<Run['trace']>): string | undefined {
  return p.parentSpanId !== undefined && isValidSpanId(p.parentSpanId) ? p.parentSpanId : undefined;
}

export function allTools(run: Run): ToolSpan[] {
  const out: ToolSpan[] = [...run.orphanTools];
  for (const call of run.llmCalls) out.push(...call.tools);
  return out;
}

// Session spans (and where a subagent's session hangs) are planned in session-plan.ts.
