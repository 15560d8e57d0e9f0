// Hand-built trace fixtures for the adaptive learner: runs whose tool intervals are known
// exactly, so every expected overlap can be read off the test itself.

import type { AdaptiveConfig } from '../../../src/config/types.ts';
import type { LlmCall, Run, Session, ToolSpan } from '../../../src/trace/model.ts';

let counter = 0;
function nextId(prefix: string): string {
  counter++;
  return `${prefix}-${counter}`;
}

/** A tool call running from `start` to `end` (epoch ms); omit either to make it untimed. */
export function tool(name: string, start?: number, end?: number): ToolSpan {
  const span: ToolSpan = {
    kind: 'tool',
    spanId: nextId('span'),
    toolCallId: nextId('call'),
    name,
    status: 'ok',
    marks: [],
  };
  if (start !== undefined) span.startTime = start;
  if (end !== undefined) span.endTime = end;
  return span;
}

function llmCall(runId: string, index: number, tools: ToolSpan[]): LlmCall {
  return {
    kind: 'llm',
    spanId: nextId('span'),
    callId: `${runId}:model:${index}`,
    index,
    runId,
    input: [],
    status: 'ok',
    tools,
    marks: [],
  };
}

/** One run; each inner array is the tool batch of one LLM call. */
export function run(batches: ToolSpan[][], options: { orphans?: ToolSpan[]; endTime?: number } = {}): Run {
  const runId = nextId('run');
  const r: Run = {
    kind: 'run',
    spanId: nextId('span'),
    runId,
    status: 'ok',
    llmCalls: batches.map((tools, i) => llmCall(runId, i + 1, tools)),
    orphanTools: options.orphans ?? [],
    sawLlmInput: true,
    marks: [],
  };
  if (options.endTime !== undefined) r.endTime = options.endTime;
  return r;
}

export function session(agentId?: string): Session {
  // Cast: the fixture fills what the learner reads; other engineers may add session fields.
  return {
    kind: 'session',
    traceId: '0'.repeat(32),
    spanId: nextId('span'),
    sessionKey: nextId('agent:main:key'),
    agentId,
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [],
    tools: [],
    marks: [],
    closed: false,
  } as Session;
}

export function adaptiveConfig(overrides: Partial<AdaptiveConfig> = {}): AdaptiveConfig {
  return {
    enabled: true,
    agentId: 'openclaw',
    backend: 'in_memory',
    learners: ['tool_parallelism'],
    maxAgents: 256,
    maxToolsPerAgent: 512,
    maxGroupsPerAgent: 1024,
    ...overrides,
  };
}

/** 2026-01-01T00:00:00Z: a round base so ISO times in expectations are easy to read. */
export const T0 = Date.UTC(2026, 0, 1);
