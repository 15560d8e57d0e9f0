// An annotation (nemoRelay.annotate) as a span: exported spans cannot be changed, so a reward
// that comes after the run went out is a small child span of the run (or of the session)
// carrying the annotation as attributes and as one `nemo_relay.annotation` event.

import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { randomBytes } from 'node:crypto';
import type { Annotation, AnnotationTarget } from '../../trace/annotation.ts';

export const ANNOTATION_SPAN_NAME = 'nemo_relay.annotation';

export function annotationAttributes(target: AnnotationTarget, a: Annotation): Attributes {
  const out: Attributes = {};
  if (target.sessionKey !== undefined) out['openclaw.session.key'] = target.sessionKey;
  if (target.sessionId !== undefined) out['openclaw.session.id'] = target.sessionId;
  if (target.runId !== undefined) out['openclaw.run.id'] = target.runId;
  if (a.episode_id !== undefined) out['nemo_relay.episode.id'] = a.episode_id;
  if (a.reward !== undefined) out['nemo_relay.reward'] = a.reward;
  for (const [name, v] of Object.entries(a.rewards ?? {})) out[`nemo_relay.rewards.${name}`] = v;
  if (a.outcome !== undefined) out['nemo_relay.outcome'] = a.outcome;
  if (a.labels !== undefined) out['nemo_relay.labels'] = a.labels;
  if (a.metadata !== undefined) out['nemo_relay.metadata'] = JSON.stringify(a.metadata);
  return out;
}

export function annotationSpan(target: AnnotationTarget, a: Annotation, resource: Resource, scope: InstrumentationScope): ReadableSpan {
  // Under its run span (in the run's trace) or under the session span.
  const traceId = target.runSpanId !== undefined ? (target.runTraceId ?? target.traceId) : target.traceId;
  const context: SpanContext = { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED };
  const parentId = target.runSpanId ?? target.sessionSpanId;
  const time = millisToHrTime(target.at);
  const attributes = annotationAttributes(target, a);
  return {
    name: ANNOTATION_SPAN_NAME,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext: { traceId, spanId: parentId, traceFlags: TraceFlags.SAMPLED, isRemote: false },
    startTime: time,
    endTime: time,
    duration: [0, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [{ name: ANNOTATION_SPAN_NAME, time, attributes, droppedAttributesCount: 0 }],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
