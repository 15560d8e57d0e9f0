// PlannedSpan + projection → an OTel ReadableSpan, the object the OTLP exporter serializes.
//
// The spans are built as finished records rather than through a Tracer: see sink.ts for why.

import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { hrTimeDuration, millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-node';

import { ERROR_TYPE, ERROR_TYPE_OTHER, SESSION_ID } from './gen-ai/names.ts';
import { conversationId } from './model-facts.ts';
import type { SpanProjection } from './projection.ts';
import { AttributeBag } from './projection.ts';
import type { Mark } from '../../trace/model.ts';
import type { MarkedKind, PlannedSpan } from './span-plan.ts';

const STATUS = { ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR, unset: SpanStatusCode.UNSET } as const;

/**
 * Attributes every output carries whatever its conventions: OpenClaw's own ids (to find the
 * same call in the ATIF file or the gateway log), error.type, and honesty flags for times
 * the model did not have.
 */
function commonAttributes(span: PlannedSpan): Attributes {
  const bag = new AttributeBag();
  const { subject } = span;
  bag.set('openclaw.session.key', subject.session.sessionKey);
  bag.set('openclaw.session.id', subject.session.sessionId);
  // A key seen again after its session closed starts a new segment (and a new trace).
  if (subject.session.segment > 1) bag.set('openclaw.session.segment', subject.session.segment);
  // One name every backend groups by, whatever the trace shape: the ROOT session's id, as the
  // projections write it, so a subagent's spans stay in their root's session.
  bag.set(SESSION_ID, conversationId(subject.root));
  if (subject.kind !== 'session') bag.set('openclaw.run.id', subject.run?.runId);
  const placed = subject.kind === 'run' ? subject.run.trace : subject.kind === 'llm' ? subject.call.trace : undefined;
  if (placed) {
    bag.set('openclaw.trace.span_id', placed.openclawSpanId);
    bag.set('openclaw.trace.parent_span_id', placed.openclawParentSpanId);
    if (placed.parentIsExternal) bag.set('nemo_relay.trace.parent', 'openclaw.diagnostics_otel');
  }
  if (subject.kind === 'llm') {
    bag.set('openclaw.model_call.id', subject.call.callId);
    bag.set('nemo_relay.llm.input_fidelity', subject.call.inputFidelity);
    bag.set('nemo_relay.llm.input_proof', subject.call.inputProof);
    if (subject.call.requestTools) bag.list('nemo_relay.llm.request_tools', subject.call.requestTools);
    if (subject.call.pluginOriginated === true) bag.set('nemo_relay.llm.plugin_originated', true);
  }
  if (subject.kind === 'tool') {
    bag.set('openclaw.tool_call.id', subject.tool.toolCallId);
    if (subject.tool.blocked === true) {
      bag.set('nemo_relay.tool.blocked', true);
      bag.set('nemo_relay.tool.denied_reason', subject.tool.deniedReason);
    }
  }
  if (subject.kind === 'mark') markAttributes(bag, subject.mark, subject.on);
  if (span.status.code === 'error') bag.set(ERROR_TYPE, span.errorType ?? ERROR_TYPE_OTHER);
  const modelStatus =
    subject.kind === 'session' || subject.kind === 'mark' ? undefined : subject.kind === 'run' ? subject.run.status : subject.kind === 'llm' ? subject.call.status : subject.tool.status;
  if (modelStatus === 'incomplete') bag.set('nemo_relay.incomplete', true);
  if (span.timesInferred.start) bag.set('nemo_relay.start_time_inferred', true);
  if (span.timesInferred.end) bag.set('nemo_relay.end_time_inferred', true);
  return bag.values;
}

/** A mark shown as a span (mark_projection `tool`): the same keys its span event carries, plus where it was. */
function markAttributes(bag: AttributeBag, mark: Mark, on: MarkedKind): void {
  for (const [k, v] of Object.entries(mark.attributes ?? {})) bag.set(k, v);
  bag.set('nemo_relay.mark.name', mark.name).set('nemo_relay.mark.severity', mark.severity).set('nemo_relay.mark.message', mark.message).set('nemo_relay.mark.on', on);
}

/**
 * The common attributes added to the projection's own, which win where both name a key. Added
 * in place: a spread copied every LLM span's hundreds of flattened keys once more.
 */
function withCommon(own: Attributes, common: Attributes): Attributes {
  for (const key in common) if (!(key in own)) own[key] = common[key];
  return own;
}

function kindOf(span: PlannedSpan): SpanKind {
  // gen_ai conventions: an inference call is a CLIENT span; agent and tool work is INTERNAL.
  return span.subject.kind === 'llm' ? SpanKind.CLIENT : SpanKind.INTERNAL;
}

export function toReadableSpan(
  span: PlannedSpan,
  projection: SpanProjection,
  resource: Resource,
  scope: InstrumentationScope,
): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED };
  const parent: SpanContext | undefined =
    span.parentSpanId === undefined
      ? undefined
      : { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };
  const startTime: HrTime = millisToHrTime(span.startTime);
  const endTime: HrTime = millisToHrTime(span.endTime);
  const events: TimedEvent[] = span.events.map((e) => ({
    name: e.name,
    time: millisToHrTime(e.time),
    attributes: e.attributes,
    droppedAttributesCount: 0,
  }));
  const status = span.status.message === undefined ? { code: STATUS[span.status.code] } : { code: STATUS[span.status.code], message: span.status.message };
  return {
    name: projection.spanName(span.subject),
    kind: kindOf(span),
    spanContext: () => context,
    parentSpanContext: parent,
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status,
    attributes: withCommon(projection.attributes(span), commonAttributes(span)),
    links: span.links.map((l) => ({
      context: { traceId: l.traceId, spanId: l.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true },
      attributes: l.attributes,
    })),
    events,
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
