// The instruments the metrics output records, and how a finished Run becomes measurements.
//
// Names come from the gen_ai semantic conventions where one exists (token usage, operation
// duration, time to first chunk); the rest are nemo_relay.* (the conventions have no tool,
// agent-run or cost metric). Every measurement is labelled by agent, provider, model and
// outcome, all low-cardinality; the reader's cardinality limit caps whatever a busy gateway
// still produces.

import type { Attributes, Histogram, Counter, Meter, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating';

import { agentName, promptTokens } from '../otlp/model-facts.ts';
import type { LlmCall, Run, Session, SpanStatus, ToolSpan, Usage } from '../../trace/model.ts';

export const METRIC = {
  TOKEN_USAGE: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  OPERATION_DURATION: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  TIME_TO_FIRST_CHUNK: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  TOOL_DURATION: 'nemo_relay.tool.duration',
  RUN_DURATION: 'nemo_relay.agent.run.duration',
  COST: 'nemo_relay.gen_ai.cost',
  EVENTS: 'nemo_relay.events',
  DROPPED: 'nemo_relay.dropped',
  QUEUE_DEPTH: 'nemo_relay.queue.depth',
} as const;

/** `outcome`: success, error, or incomplete (no end hook was seen). */
export const ATTR_OUTCOME = 'nemo_relay.outcome';
export const ATTR_OUTPUT = 'nemo_relay.output';
/**
 * Token types beyond the conventions' input/output. `input` counts every prompt token,
 * cached ones included (as gen_ai.usage.input_tokens does on spans), so the cache types are
 * subsets of it: do not add them to `input`.
 */
export const TOKEN_TYPE_CACHE_READ = 'cache_read';
export const TOKEN_TYPE_CACHE_CREATION = 'cache_creation';

// The conventions' advised bucket boundaries.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000];

export interface Instruments {
  tokens?: Histogram;
  duration?: Histogram;
  ttfc?: Histogram;
  tool?: Histogram;
  run?: Histogram;
  cost?: Counter;
  events?: ObservableCounter;
  dropped?: ObservableCounter;
  queueDepth?: ObservableGauge;
  /** Names not created because of max_instruments. */
  skipped: string[];
}

/** Creates up to `max` instruments, most important first. */
export function createInstruments(meter: Meter, max = Number.POSITIVE_INFINITY): Instruments {
  const out: Instruments = { skipped: [] };
  const makers: [keyof Omit<Instruments, 'skipped'>, string, () => unknown][] = [
    ['tokens', METRIC.TOKEN_USAGE, () => meter.createHistogram(METRIC.TOKEN_USAGE, { unit: '{token}', description: 'Tokens used per LLM call, by token type', advice: { explicitBucketBoundaries: TOKEN_BUCKETS } })],
    ['duration', METRIC.OPERATION_DURATION, () => meter.createHistogram(METRIC.OPERATION_DURATION, { unit: 's', description: 'LLM call duration', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } })],
    ['cost', METRIC.COST, () => meter.createCounter(METRIC.COST, { unit: 'USD', description: 'LLM cost as OpenClaw priced it' })],
    ['ttfc', METRIC.TIME_TO_FIRST_CHUNK, () => meter.createHistogram(METRIC.TIME_TO_FIRST_CHUNK, { unit: 's', description: 'Time to the first response chunk of an LLM call', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } })],
    ['tool', METRIC.TOOL_DURATION, () => meter.createHistogram(METRIC.TOOL_DURATION, { unit: 's', description: 'Tool call duration', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } })],
    ['run', METRIC.RUN_DURATION, () => meter.createHistogram(METRIC.RUN_DURATION, { unit: 's', description: 'Agent run (turn) duration', advice: { explicitBucketBoundaries: RUN_BUCKETS } })],
    ['events', METRIC.EVENTS, () => meter.createObservableCounter(METRIC.EVENTS, { unit: '{event}', description: 'Hook events handled by nemo-relay' })],
    ['dropped', METRIC.DROPPED, () => meter.createObservableCounter(METRIC.DROPPED, { unit: '{item}', description: 'Items nemo-relay dropped (full queues, stopped outputs)' })],
    ['queueDepth', METRIC.QUEUE_DEPTH, () => meter.createObservableGauge(METRIC.QUEUE_DEPTH, { unit: '{item}', description: 'Items waiting in nemo-relay export queues' })],
  ];
  makers.forEach(([key, name, make], i) => {
    if (i < max) (out as unknown as Record<string, unknown>)[key] = make();
    else out.skipped.push(name);
  });
  return out;
}

const seconds = (ms: number) => ms / 1000;

function durationOf(start: number | undefined, end: number | undefined, measured: number | undefined): number | undefined {
  if (typeof measured === 'number' && Number.isFinite(measured) && measured >= 0) return measured;
  if (typeof start === 'number' && typeof end === 'number' && Number.isFinite(start) && Number.isFinite(end) && end >= start) return end - start;
  return undefined;
}

function outcome(status: SpanStatus, error: string | undefined): string {
  if (status === 'error' || error !== undefined) return 'error';
  return status === 'ok' ? 'success' : 'incomplete';
}

function put(attrs: Attributes, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') attrs[key] = value;
}

function recordUsage(inst: Instruments, usage: Usage, base: Attributes): void {
  const tokens = inst.tokens;
  if (tokens) {
    tokens.record(promptTokens(usage), { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT });
    tokens.record(usage.output, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT });
    if (usage.cacheRead > 0) tokens.record(usage.cacheRead, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: TOKEN_TYPE_CACHE_READ });
    if (usage.cacheWrite > 0) tokens.record(usage.cacheWrite, { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: TOKEN_TYPE_CACHE_CREATION });
  }
  const cost = usage.cost?.total;
  if (inst.cost && typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) inst.cost.add(cost, base);
}

function recordCall(inst: Instruments, session: Session, run: Run, call: LlmCall): void {
  const attrs: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT, [ATTR_GEN_AI_AGENT_NAME]: agentName(session) };
  put(attrs, ATTR_GEN_AI_PROVIDER_NAME, call.provider ?? run.provider ?? session.provider);
  put(attrs, ATTR_GEN_AI_REQUEST_MODEL, call.model ?? run.model);
  const result = outcome(call.status, call.error);
  attrs[ATTR_OUTCOME] = result;
  if (result === 'error') attrs[ATTR_ERROR_TYPE] = call.outcome ?? 'model_call_error';
  if (call.usage) recordUsage(inst, call.usage, attrs);
  const d = durationOf(call.startTime, call.endTime, call.durationMs);
  if (d !== undefined) inst.duration?.record(seconds(d), attrs);
  const ttfc = call.timeToFirstByteMs;
  if (typeof ttfc === 'number' && Number.isFinite(ttfc) && ttfc >= 0) inst.ttfc?.record(seconds(ttfc), attrs);
}

function recordTool(inst: Instruments, session: Session, tool: ToolSpan): void {
  if (!inst.tool) return;
  const d = durationOf(tool.startTime, tool.endTime, tool.durationMs);
  if (d === undefined) return;
  const attrs: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    [ATTR_GEN_AI_AGENT_NAME]: agentName(session),
    [ATTR_GEN_AI_TOOL_NAME]: tool.name,
    [ATTR_OUTCOME]: outcome(tool.status, tool.error),
  };
  inst.tool.record(seconds(d), attrs);
}

/** Everything a finished run measures. Synchronous, in-memory: the export happens on the reader's timer. */
export function recordRun(inst: Instruments, session: Session, run: Run): void {
  let callsWithUsage = 0;
  for (const call of run.llmCalls) {
    if (call.usage) callsWithUsage++;
    recordCall(inst, session, run, call);
    for (const tool of call.tools) recordTool(inst, session, tool);
  }
  for (const tool of run.orphanTools) recordTool(inst, session, tool);

  const attrs: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT, [ATTR_GEN_AI_AGENT_NAME]: agentName(session) };
  put(attrs, ATTR_GEN_AI_PROVIDER_NAME, run.provider ?? session.provider);
  put(attrs, ATTR_GEN_AI_REQUEST_MODEL, run.model ?? session.model);
  attrs[ATTR_OUTCOME] = run.success === false ? 'error' : outcome(run.status, run.error);
  // Per-call usage is the truth; the run total only stands in when no call reported any
  // (otherwise tokens and cost would be counted twice).
  if (callsWithUsage === 0 && run.reportedUsage) recordUsage(inst, run.reportedUsage, { ...attrs, [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT });
  const d = durationOf(run.startTime, run.endTime, run.durationMs);
  if (d !== undefined) inst.run?.record(seconds(d), attrs);
}
