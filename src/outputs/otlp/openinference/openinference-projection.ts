// The OpenInference output (Phoenix and other OpenInference backends). Every key comes from
// @arizeai/openinference-semantic-conventions. Phoenix groups traces into a session by the
// first `session.id` it meets on any span of a trace, so every span carries the ROOT
// session's id: a subagent's spans stay in the session of the conversation that spawned it
// (their own OpenClaw session is in metadata).

import {
  LLMSystem,
  MimeType,
  OpenInferenceSpanKind,
  SEMRESATTRS_PROJECT_NAME,
  SemanticConventions as SC,
} from '@arizeai/openinference-semantic-conventions';
import type { Attributes } from '@opentelemetry/api';

import type { OtlpOutputConfig } from '../../../config/types.ts';
import type { ChatMessage, LlmCall, Mark, Run, Session, ToolSpan, Usage } from '../../../trace/model.ts';
import { agentName, conversationId, finalCall, promptTokens, runUsage, toolDefinition, totalTokens } from '../model-facts.ts';
import { AttributeBag, toJson } from '../projection.ts';
import type { SpanProjection } from '../projection.ts';
import type { PlannedSpan, SpanSubject } from '../span-plan.ts';
import { genAiSpanName } from '../gen-ai/gen-ai-projection.ts';
import { argumentsJson, flattenMessages, messagesJson, openAiShape } from './flatten-messages.ts';

/** Phoenix reads the project from this header before the resource attribute. */
export const PROJECT_NAME_HEADER = 'x-project-name';

/** OpenInference's llm.system names the API family; OpenClaw's `api` says which one it spoke. */
function llmSystem(api: string | undefined, provider: string | undefined): string | undefined {
  const a = (api ?? '').toLowerCase();
  if (a.startsWith('openai')) return LLMSystem.OPENAI;
  if (a.startsWith('anthropic')) return LLMSystem.ANTHROPIC;
  if (a.startsWith('mistral')) return LLMSystem.MISTRALAI;
  if (a.startsWith('cohere')) return LLMSystem.COHERE;
  if (a.startsWith('google') || a.includes('gemini') || a.includes('vertex')) return LLMSystem.VERTEXAI;
  if (a.startsWith('bedrock') || a.includes('bedrock')) return LLMSystem.AMAZON;
  return provider;
}

/** A text value, or JSON when it already is structured JSON (tool output often is). */
function textOrJson(bag: AttributeBag, valueKey: string, mimeKey: string, text: string | undefined): void {
  if (text === undefined) return;
  const trimmed = text.trimStart();
  let json = false;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(text);
      json = true;
    } catch {
      json = false;
    }
  }
  bag.set(valueKey, text).set(mimeKey, json ? MimeType.JSON : MimeType.TEXT);
}

function jsonValue(bag: AttributeBag, valueKey: string, mimeKey: string, value: unknown): void {
  if (value === undefined) return;
  bag.set(valueKey, toJson(value)).set(mimeKey, MimeType.JSON);
}

/** An assistant message as output.value: its text when it is only text, else the message JSON. */
function messageOutput(bag: AttributeBag, message: ChatMessage | undefined): void {
  if (!message) return;
  if (!message.toolCalls?.length) {
    if (message.content !== undefined) bag.set(SC.OUTPUT_VALUE, message.content).set(SC.OUTPUT_MIME_TYPE, MimeType.TEXT);
    return;
  }
  jsonValue(bag, SC.OUTPUT_VALUE, SC.OUTPUT_MIME_TYPE, openAiShape(message));
}

function tokenCounts(bag: AttributeBag, usage: Usage | undefined): void {
  if (!usage) return;
  bag
    .set(SC.LLM_TOKEN_COUNT_PROMPT, promptTokens(usage))
    .set(SC.LLM_TOKEN_COUNT_COMPLETION, usage.output)
    .set(SC.LLM_TOKEN_COUNT_TOTAL, totalTokens(usage))
    .set(SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ, usage.cacheRead)
    .set(SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE, usage.cacheWrite);
  const cost = usage.cost;
  if (!cost) return;
  const promptParts = [cost.input, cost.cacheRead, cost.cacheWrite].filter((c): c is number => typeof c === 'number');
  bag
    .set(SC.LLM_COST_TOTAL, cost.total)
    .set(SC.LLM_COST_PROMPT, promptParts.length > 0 ? promptParts.reduce((a, b) => a + b, 0) : undefined)
    .set(SC.LLM_COST_COMPLETION, cost.output)
    .set(SC.LLM_COST_INPUT, cost.input)
    .set(SC.LLM_COST_OUTPUT, cost.output)
    .set(SC.LLM_COST_PROMPT_DETAILS_CACHE_READ, cost.cacheRead)
    .set(SC.LLM_COST_PROMPT_DETAILS_CACHE_WRITE, cost.cacheWrite);
}

function common(bag: AttributeBag, span: PlannedSpan, kind: OpenInferenceSpanKind, tags: (string | undefined)[]): void {
  bag.set(SC.OPENINFERENCE_SPAN_KIND, kind).set(SC.SESSION_ID, conversationId(span.subject.root));
  bag.list(SC.TAG_TAGS, ['openclaw', ...tags.filter((t): t is string => typeof t === 'string' && t.length > 0)]);
}

function metadata(bag: AttributeBag, values: Record<string, unknown>): void {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  bag.json(SC.METADATA, defined);
}

function sessionMetadata(session: Session): Record<string, unknown> {
  return {
    session_key: session.sessionKey,
    session_id: session.sessionId,
    agent_id: session.agentId,
    parent_session_key: session.parent?.sessionKey,
  };
}

function sessionAttributes(bag: AttributeBag, span: PlannedSpan, session: Session): void {
  common(bag, span, OpenInferenceSpanKind.AGENT, ['session', session.parentSession ? 'subagent' : undefined]);
  bag.set(SC.AGENT_NAME, agentName(session));
  // The conversation's first question and last answer, when they were captured.
  const first = session.runs.find((r) => r.prompt !== undefined);
  if (first?.prompt !== undefined) bag.set(SC.INPUT_VALUE, first.prompt).set(SC.INPUT_MIME_TYPE, MimeType.TEXT);
  for (let i = session.runs.length - 1; i >= 0; i--) {
    const last = session.runs[i] ? finalCall(session.runs[i] as Run) : undefined;
    if (last) {
      messageOutput(bag, last.output);
      break;
    }
  }
  metadata(bag, {
    ...sessionMetadata(session),
    opened_by: session.openedBy,
    end_reason: session.endReason,
    runs: session.runs.length,
    model: session.model,
    provider: session.provider,
  });
}

function runAttributes(bag: AttributeBag, span: PlannedSpan, session: Session, run: Run): void {
  // A user turn is the agent at work; other triggers (a subagent's announce) are plumbing.
  const kind = run.trigger === undefined || run.trigger === 'user' ? OpenInferenceSpanKind.AGENT : OpenInferenceSpanKind.CHAIN;
  common(bag, span, kind, ['run', run.trigger, session.parentSession ? 'subagent' : undefined]);
  bag.set(SC.AGENT_NAME, agentName(session));
  if (run.prompt !== undefined) bag.set(SC.INPUT_VALUE, run.prompt).set(SC.INPUT_MIME_TYPE, MimeType.TEXT);
  messageOutput(bag, finalCall(run)?.output);
  // Token counts stay on LLM spans only: Phoenix sums descendants, a run total would count twice.
  const total = runUsage(run);
  metadata(bag, {
    ...sessionMetadata(session),
    run_id: run.runId,
    trigger: run.trigger,
    success: run.success,
    duration_ms: run.durationMs,
    provider: run.provider,
    model: run.model,
    llm_calls: run.llmCalls.length,
    usage: total
      ? { prompt_tokens: promptTokens(total), completion_tokens: total.output, cache_read_tokens: total.cacheRead, cache_write_tokens: total.cacheWrite, total_tokens: totalTokens(total), cost_usd: total.cost?.total }
      : undefined,
    usage_source: run.reportedUsage ? 'llm_output' : total ? 'sum_of_calls' : undefined,
  });
}

function llmAttributes(bag: AttributeBag, span: PlannedSpan, session: Session, run: Run, call: LlmCall): void {
  common(bag, span, OpenInferenceSpanKind.LLM, ['llm', session.parentSession ? 'subagent' : undefined]);
  const model = call.model ?? run.model;
  const provider = call.provider ?? run.provider ?? session.provider;
  bag
    .set(SC.LLM_MODEL_NAME, model)
    .set(SC.LLM_PROVIDER, provider)
    .set(SC.LLM_SYSTEM, llmSystem(call.api, provider))
    .set(SC.LLM_FINISH_REASON, call.stopReason);
  // OpenClaw reveals no sampling parameters to hooks; the model is the one parameter known.
  if (model !== undefined) bag.json(SC.LLM_INVOCATION_PARAMETERS, { model });
  flattenMessages(bag, SC.LLM_INPUT_MESSAGES, call.input);
  if (call.output) flattenMessages(bag, SC.LLM_OUTPUT_MESSAGES, [call.output]);
  toolSchemas(session.tools).forEach((schema, i) => bag.set(`${SC.LLM_TOOLS}.${i}.${SC.TOOL_JSON_SCHEMA}`, schema));
  tokenCounts(bag, call.usage);
  if (call.input.length > 0) bag.set(SC.INPUT_VALUE, messagesJson(run, call.input)).set(SC.INPUT_MIME_TYPE, MimeType.JSON);
  messageOutput(bag, call.output);
  metadata(bag, {
    ...sessionMetadata(session),
    run_id: run.runId,
    call_id: call.callId,
    call_index: call.index,
    api: call.api,
    transport: call.transport,
    outcome: call.outcome,
    response_id: call.responseId,
    stop_reason: call.stopReason,
    time_to_first_byte_ms: call.timeToFirstByteMs,
    request_payload_bytes: call.requestPayloadBytes,
    response_stream_bytes: call.responseStreamBytes,
  });
}

function toolAttributes(bag: AttributeBag, span: PlannedSpan, session: Session, run: Run, tool: ToolSpan): void {
  common(bag, span, OpenInferenceSpanKind.TOOL, ['tool', session.parentSession ? 'subagent' : undefined]);
  const definition = toolDefinition(session, tool.name);
  bag
    .set(SC.TOOL_NAME, tool.name)
    .set(SC.TOOL_DESCRIPTION, definition?.description)
    .set(SC.TOOL_CALL_ID, tool.toolCallId);
  if (definition?.parameters !== undefined) bag.json(SC.TOOL_PARAMETERS, definition.parameters);
  // Arguments: JSON, unless the capture policy left only its marker (then plain text).
  if (tool.arguments !== undefined) {
    if (typeof tool.arguments === 'string') textOrJson(bag, SC.INPUT_VALUE, SC.INPUT_MIME_TYPE, argumentsJson(tool.arguments));
    else jsonValue(bag, SC.INPUT_VALUE, SC.INPUT_MIME_TYPE, tool.arguments);
  }
  textOrJson(bag, SC.OUTPUT_VALUE, SC.OUTPUT_MIME_TYPE, tool.result);
  metadata(bag, {
    ...sessionMetadata(session),
    run_id: run.runId,
    tool_call_id: tool.toolCallId,
    llm_call_id: tool.llmCallId,
    duration_ms: tool.durationMs,
    child_session_key: tool.childSessionKey,
    error: tool.error,
  });
}

// CHAIN, not TOOL: Phoenix reads a TOOL span as a tool invocation (tool-call counts, the
// agent graph's tool nodes, tool-calling evals all select on it), and a mark is a note about
// the span above it, not a call. CHAIN is Phoenix's generic step: shown in the trace tree with
// its input (the mark's message) and metadata, counted as nothing else.
function markAttributes(bag: AttributeBag, span: PlannedSpan, session: Session, run: Run | undefined, mark: Mark): void {
  common(bag, span, OpenInferenceSpanKind.CHAIN, ['mark', mark.severity, session.parentSession ? 'subagent' : undefined]);
  bag.set(SC.INPUT_VALUE, mark.message).set(SC.INPUT_MIME_TYPE, MimeType.TEXT);
  // The mark's own attributes first: its name and severity are never overwritten by them.
  metadata(bag, { ...mark.attributes, ...sessionMetadata(session), run_id: run?.runId, mark: mark.name, severity: mark.severity });
}

// Every LLM span of a session carries the same tool list (tens of kB of schemas): serialized
// once per list. The engine keeps one array per session until the tools change.
const schemaCache = new WeakMap<object, string[]>();

function toolSchemas(tools: Session['tools']): string[] {
  let out = schemaCache.get(tools);
  if (out) return out;
  out = tools.map((tool) => {
    const fn: Record<string, unknown> = { name: tool.name };
    if (tool.description !== undefined) fn['description'] = tool.description;
    if (tool.parameters !== undefined) fn['parameters'] = tool.parameters;
    return toJson({ type: 'function', function: fn });
  });
  schemaCache.set(tools, out);
  return out;
}

export function openInferenceAttributes(span: PlannedSpan): Attributes {
  const bag = new AttributeBag();
  const { subject } = span;
  switch (subject.kind) {
    case 'session':
      sessionAttributes(bag, span, subject.session);
      break;
    case 'run':
      runAttributes(bag, span, subject.session, subject.run);
      break;
    case 'llm':
      llmAttributes(bag, span, subject.session, subject.run, subject.call);
      break;
    case 'tool':
      toolAttributes(bag, span, subject.session, subject.run, subject.tool);
      break;
    case 'mark':
      markAttributes(bag, span, subject.session, subject.run, subject.mark);
      break;
  }
  return bag.values;
}

export const openInferenceProjection: SpanProjection = {
  name: 'openinference',
  // The gen_ai names (`chat <model>`, `execute_tool <name>`, `invoke_agent <agent>`) read
  // well in Phoenix too, and keep both outputs of one trace named alike.
  spanName: (subject: SpanSubject) => genAiSpanName(subject),
  attributes: openInferenceAttributes,
  resourceAttributes: (config: OtlpOutputConfig): Attributes =>
    config.projectName !== undefined ? { [SEMRESATTRS_PROJECT_NAME]: config.projectName } : {},
  headers: (config: OtlpOutputConfig): Record<string, string> =>
    config.projectName !== undefined ? { [PROJECT_NAME_HEADER]: config.projectName } : {},
};
