// One LLM call -> one ATIF agent step (RFC 0001: "Exporters SHOULD emit one ATIF step per LLM
// inference"; llm_call_count 1). The step carries the call's output, the tool calls the
// assistant asked for, the tools' results as the observation, and the call's usage.

import { CAPTURE_STRIPPED } from '../../trace/model.ts';
import type { LlmCall, Run, Session, ToolSpan } from '../../trace/model.ts';
import type { AtifMetrics, AtifObservationResult, AtifStepBody, AtifSubagentRef, AtifToolCall, JsonObject } from './types.ts';
import { amount, compact, count, isoTime, isPlainObject, jsonSafe, markJson, nonEmpty } from './values.ts';

/** Finds the embedded trajectory a spawning tool call points at; undefined when there is none to point at. */
export type ChildResolver = (tool: ToolSpan) => AtifSubagentRef | undefined;

/** Token and cost sums over agent steps; summed again per trajectory for final_metrics. */
export interface StepTotals {
  prompt: number;
  completion: number;
  cached: number;
  cacheWrite: number;
  cost: number;
  /** Whether any call reported a cost: total_cost_usd is left out rather than claimed as 0. */
  costKnown: boolean;
  llmCalls: number;
  toolCalls: number;
  failedTools: number;
}

export function emptyTotals(): StepTotals {
  return { prompt: 0, completion: 0, cached: 0, cacheWrite: 0, cost: 0, costKnown: false, llmCalls: 0, toolCalls: 0, failedTools: 0 };
}

export function addTotals(into: StepTotals, add: StepTotals): void {
  into.prompt += add.prompt;
  into.completion += add.completion;
  into.cached += add.cached;
  into.cacheWrite += add.cacheWrite;
  into.cost += add.cost;
  into.costKnown ||= add.costKnown;
  into.llmCalls += add.llmCalls;
  into.toolCalls += add.toolCalls;
  into.failedTools += add.failedTools;
}

/** ATIF wants an object; anything else is kept visible in extra instead of being coerced. */
export function toolArguments(value: unknown): { arguments: JsonObject; extra?: JsonObject } {
  if (isPlainObject(value)) return { arguments: jsonSafe(value) as JsonObject };
  if (value === undefined) return { arguments: {} };
  if (value === CAPTURE_STRIPPED) return { arguments: {}, extra: { arguments: CAPTURE_STRIPPED } };
  return { arguments: {}, extra: { raw_arguments: jsonSafe(value) ?? null } };
}

function failed(span: ToolSpan): boolean {
  return span.status === 'error' || typeof span.error === 'string';
}

/** One observation result. Content is the tool's own text (or the capture marker), never a dump of the span. */
export function toolResult(span: ToolSpan, resolveChild: ChildResolver, withSourceId: boolean): AtifObservationResult {
  const out: AtifObservationResult = {};
  if (withSourceId) out.source_call_id = String(span.toolCallId);
  if (span.blocked === true) out.content = `blocked: ${nonEmpty(span.deniedReason) ?? 'OpenClaw did not run this tool call'}`;
  else if (failed(span)) out.content = nonEmpty(span.error) ?? (typeof span.result === 'string' ? span.result : 'tool call failed');
  else if (typeof span.result === 'string') out.content = span.result;
  const ref = resolveChild(span);
  if (ref) out.subagent_trajectory_ref = [ref];
  const extra = compact({
    tool_call_id: withSourceId ? undefined : String(span.toolCallId),
    tool_name: withSourceId ? undefined : String(span.name),
    // Without a tool call to carry them, an unattributed call's arguments live here.
    arguments: withSourceId ? undefined : jsonSafe(span.arguments),
    error: failed(span) ? true : undefined,
    blocked: span.blocked === true ? true : undefined,
    denied_reason: span.blocked === true ? nonEmpty(span.deniedReason) : undefined,
    status: span.status !== 'ok' ? span.status : undefined,
    duration_ms: count(span.durationMs),
    started_at: withSourceId ? undefined : isoTime(span.startTime),
    // A spawn whose child could not be embedded still says which session it started.
    child_session_key: !ref ? nonEmpty(span.childSessionKey) : undefined,
    marks: span.marks.map(markJson),
  });
  if (extra) out.extra = extra;
  return out;
}

function callFailed(call: LlmCall): boolean {
  return call.status === 'error' || typeof call.error === 'string' || call.outcome === 'error' || call.outcome === 'aborted';
}

function metricsOf(call: LlmCall, totals: StepTotals): AtifMetrics {
  const m: AtifMetrics = {};
  const u = call.usage;
  let cacheWrite: number | undefined;
  if (u) {
    const input = count(u.input) ?? 0;
    const cacheRead = count(u.cacheRead) ?? 0;
    cacheWrite = count(u.cacheWrite) ?? 0;
    // OpenClaw's usage.input excludes cache reads and writes; ATIF's prompt_tokens is the whole prompt.
    m.prompt_tokens = input + cacheRead + cacheWrite;
    m.completion_tokens = count(u.output) ?? 0;
    m.cached_tokens = cacheRead;
    totals.prompt += m.prompt_tokens;
    totals.completion += m.completion_tokens;
    totals.cached += cacheRead;
    totals.cacheWrite += cacheWrite;
    const cost = amount(u.cost?.total);
    if (cost !== undefined) {
      m.cost_usd = cost;
      totals.cost += cost;
      totals.costKnown = true;
    }
  }
  const extra = compact({
    // ATIF has no cache-write field; the RFC puts such provider-specific counts in metrics.extra.
    cache_write_tokens: cacheWrite,
    total_tokens: count(u?.total),
    ttft_ms: count(call.timeToFirstByteMs),
    duration_ms: count(call.durationMs),
    call_id: String(call.callId),
  });
  if (extra) m.extra = extra;
  return m;
}

export function agentStep(session: Session, run: Run, call: LlmCall, resolveChild: ChildResolver, totals: StepTotals): AtifStepBody {
  const output = call.output;
  // Responses off: the assistant text was removed by the capture policy, and the marker says so.
  const message = output === undefined ? '' : typeof output.content === 'string' ? output.content : CAPTURE_STRIPPED;
  const step: AtifStepBody = { source: 'agent', message };
  const timestamp = isoTime(call.startTime) ?? isoTime(call.endTime);
  if (timestamp) step.timestamp = timestamp;
  const model = nonEmpty(call.model) ?? nonEmpty(run.model) ?? nonEmpty(session.model);
  if (model) step.model_name = model;
  const reasoning = nonEmpty(call.reasoning);
  if (reasoning) step.reasoning_content = reasoning;

  // Tool calls as the assistant message listed them, then any executed call the message did
  // not list, so every observation result names a tool call of this same step.
  const toolCalls: AtifToolCall[] = [];
  const seen = new Set<string>();
  const add = (id: unknown, name: unknown, args: unknown): void => {
    if (typeof id !== 'string' || seen.has(id)) return;
    seen.add(id);
    const a = toolArguments(args);
    const tc: AtifToolCall = { tool_call_id: id, function_name: typeof name === 'string' ? name : String(name), arguments: a.arguments };
    if (a.extra) tc.extra = a.extra;
    toolCalls.push(tc);
  };
  for (const req of output?.toolCalls ?? []) add(req.id, req.name, req.arguments);
  for (const span of call.tools) add(span.toolCallId, span.name, span.arguments);
  if (toolCalls.length > 0) step.tool_calls = toolCalls;
  totals.toolCalls += toolCalls.length;

  const results: AtifObservationResult[] = [];
  for (const tc of toolCalls) {
    for (const span of call.tools) {
      if (span.toolCallId !== tc.tool_call_id) continue;
      results.push(toolResult(span, resolveChild, true));
      if (failed(span)) totals.failedTools += 1;
    }
  }
  if (results.length > 0) step.observation = { results };

  step.metrics = metricsOf(call, totals);
  step.llm_call_count = 1;
  totals.llmCalls += 1;

  const bad = callFailed(call);
  const extra = compact({
    provider: nonEmpty(call.provider),
    stop_reason: nonEmpty(call.stopReason),
    response_id: nonEmpty(call.responseId),
    status: call.status !== 'ok' ? call.status : undefined,
    error: bad ? nonEmpty(call.error) ?? `model call ${nonEmpty(call.outcome) ?? 'failed'}` : undefined,
    outcome: call.outcome !== undefined && call.outcome !== 'completed' ? call.outcome : undefined,
    // Whether the step's conversation is what the provider received (see the trace model).
    input_fidelity: call.inputFidelity,
    input_proof: nonEmpty(call.inputProof),
    plugin_originated: call.pluginOriginated === true ? true : undefined,
    marks: call.marks.map(markJson),
  });
  if (extra) step.extra = extra;
  return step;
}
