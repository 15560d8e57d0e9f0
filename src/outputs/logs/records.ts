// Marks and diagnostics as OTel log records: severity mapped from the mark's, the record tied
// to the span the mark belongs to (the same trace and span ids the OTLP trace outputs export,
// from span-plan's SpanIds) and to the session (`session.id`, as on the gen_ai spans).

import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { millisToHrTime } from '@opentelemetry/core';
import type { LogAttributes, LogRecord } from '@opentelemetry/api-logs';

import { GEN_AI, SESSION_ID } from '../otlp/gen-ai/names.ts';
import { agentName, conversationId } from '../otlp/model-facts.ts';
import type { SpanIds } from '../otlp/span-plan.ts';
import type { LlmCall, Mark, MarkSeverity, Run, Session, ToolSpan } from '../../trace/model.ts';
import { rootOf } from '../../trace/model.ts';
import type { MinimumSeverity } from './options.ts';

export const SEVERITY: Record<MarkSeverity, { number: SeverityNumber; text: string }> = {
  info: { number: SeverityNumber.INFO, text: 'INFO' },
  warning: { number: SeverityNumber.WARN, text: 'WARN' },
  error: { number: SeverityNumber.ERROR, text: 'ERROR' },
};

const LEVELS: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** minimum_severity → SeverityNumber; throws naming the accepted values. */
export function parseMinimumSeverity(value: MinimumSeverity | undefined): SeverityNumber {
  if (value === undefined) return SeverityNumber.INFO;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 24) return value as SeverityNumber;
  if (typeof value === 'string') {
    const level = LEVELS[value.trim().toLowerCase()];
    if (level !== undefined) return level;
  }
  throw new Error(`minimum_severity ${JSON.stringify(value)}: expected trace, debug, info, warn, error, fatal or a number 1-24`);
}

/** The log context carrying the span a record belongs to (pure: nothing global is set). */
export function spanContextOf(traceId: string, spanId: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
}

type Owner =
  | { kind: 'session' }
  | { kind: 'run'; run: Run }
  | { kind: 'llm'; run: Run; call: LlmCall }
  | { kind: 'tool'; run: Run; tool: ToolSpan; call?: LlmCall };

function sessionAttributes(session: Session): LogAttributes {
  const id = conversationId(session);
  const attrs: LogAttributes = {
    [SESSION_ID]: id,
    [GEN_AI.CONVERSATION_ID]: id,
    [GEN_AI.AGENT_NAME]: agentName(session),
    'openclaw.session.key': session.sessionKey,
  };
  if (session.sessionId !== undefined) attrs['openclaw.session.id'] = session.sessionId;
  const root = rootOf(session);
  if (root !== session) attrs['openclaw.root_session.key'] = root.sessionKey;
  return attrs;
}

export function markRecord(session: Session, owner: Owner, mark: Mark, ids: SpanIds): { record: LogRecord; context: Context } {
  const sev = SEVERITY[mark.severity] ?? SEVERITY.info;
  const attributes: LogAttributes = { ...mark.attributes, ...sessionAttributes(session), 'nemo_relay.mark.name': mark.name };
  let node: { spanId: string } = session;
  if (owner.kind !== 'session') {
    attributes['openclaw.run.id'] = owner.run.runId;
    node = owner.run;
  }
  if (owner.kind === 'llm') {
    attributes['openclaw.model_call.id'] = owner.call.callId;
    node = owner.call;
  }
  if (owner.kind === 'tool') {
    attributes['openclaw.tool_call.id'] = owner.tool.toolCallId;
    attributes[GEN_AI.TOOL_NAME] = owner.tool.name;
    node = owner.tool;
  }
  const record: LogRecord = {
    eventName: mark.name,
    // An explicit HrTime: a bare number would go through the SDK's relative-or-epoch guess.
    timestamp: millisToHrTime(Number.isFinite(mark.time) ? mark.time : Date.now()),
    severityNumber: sev.number,
    severityText: sev.text,
    body: mark.message,
    attributes,
  };
  return { record, context: spanContextOf(ids.trace(session), ids.span(node)) };
}

/** Every mark of a run, its LLM calls and their tools, and its orphan tools, in model order. */
export function* runMarks(run: Run): Generator<{ owner: Owner; mark: Mark }> {
  for (const mark of run.marks) yield { owner: { kind: 'run', run }, mark };
  for (const call of run.llmCalls) {
    for (const mark of call.marks) yield { owner: { kind: 'llm', run, call }, mark };
    for (const tool of call.tools) for (const mark of tool.marks) yield { owner: { kind: 'tool', run, tool, call }, mark };
  }
  for (const tool of run.orphanTools) for (const mark of tool.marks) yield { owner: { kind: 'tool', run, tool }, mark };
}

export function sessionAttributesOf(session: Session): LogAttributes {
  return sessionAttributes(session);
}
