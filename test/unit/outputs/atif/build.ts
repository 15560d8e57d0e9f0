// Hand-built trace trees for the ATIF tests: the shapes the engine produces, with only the
// fields a test cares about spelled out.

import type { ChatMessage, LlmCall, Mark, Run, Session, ToolSpan, Usage } from '../../../../src/trace/model.ts';
import type { AtifMeta } from '../../../../src/outputs/atif/types.ts';

export const T0 = Date.UTC(2026, 10, 21, 2, 0, 0);
export const META: AtifMeta = { agentName: 'openclaw', openclawVersion: '2026.9.6', pluginVersion: '0.1.0' };

let counter = 0;
const hex = (n: number): string => (++counter).toString(16).padStart(n, '0');

export function session(over: Partial<Session> = {}): Session {
  const s: Session = {
    kind: 'session',
    traceId: hex(32),
    spanId: hex(16),
    sessionKey: 'agent:main:main',
    sessionId: '11111111-2222-4333-8444-555555555555',
    agentId: 'main',
    startTime: T0,
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [],
    tools: [{ name: 'read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
    provider: 'probe-llm',
    model: 'mock-1',
    marks: [],
    closed: false,
    ...over,
  } as Session;
  return s;
}

export function usage(input: number, output: number, cacheRead = 0, cacheWrite = 0, cost?: number): Usage {
  const u: Usage = { input, output, cacheRead, cacheWrite, total: input + output + cacheRead + cacheWrite };
  if (cost !== undefined) u.cost = { total: cost };
  return u;
}

export function tool(id: string, name: string, over: Partial<ToolSpan> = {}): ToolSpan {
  return {
    kind: 'tool',
    spanId: hex(16),
    toolCallId: id,
    name,
    startTime: T0 + 2_000,
    endTime: T0 + 2_100,
    durationMs: 100,
    arguments: { path: '/tmp/a.txt' },
    result: 'file contents',
    status: 'ok',
    marks: [],
    ...over,
  };
}

export interface CallSpec {
  text?: string | undefined;
  toolCalls?: { id: string; name: string; arguments?: unknown }[];
  tools?: ToolSpan[];
  usage?: Usage;
  over?: Partial<LlmCall>;
}

export function call(runId: string, index: number, spec: CallSpec = {}, input: ChatMessage[] = []): LlmCall {
  const start = T0 + index * 1_000;
  const output: ChatMessage = { role: 'assistant', content: 'text' in spec ? spec.text : 'Hello!' };
  if (spec.toolCalls) output.toolCalls = spec.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.arguments ?? {} }));
  const tools = (spec.tools ?? []).map((t) => ({ ...t, llmCallId: `${runId}:model:${index}` }));
  return {
    kind: 'llm',
    spanId: hex(16),
    callId: `${runId}:model:${index}`,
    index,
    runId,
    provider: 'probe-llm',
    model: 'mock-1',
    startTime: start,
    endTime: start + 500,
    durationMs: 500,
    timeToFirstByteMs: 120,
    outcome: 'completed',
    input,
    output,
    usage: spec.usage ?? usage(100, 20, 50, 10, 0.0012),
    stopReason: spec.toolCalls ? 'toolUse' : 'stop',
    status: 'ok',
    tools,
    marks: [],
    ...spec.over,
  };
}

export function run(runId: string, prompt: string | undefined, calls: LlmCall[], over: Partial<Run> = {}): Run {
  return {
    kind: 'run',
    spanId: hex(16),
    runId,
    trigger: 'user',
    startTime: calls[0]?.startTime !== undefined ? calls[0].startTime - 10 : T0,
    endTime: (calls[calls.length - 1]?.endTime ?? T0) + 10,
    prompt,
    systemPrompt: 'You are a helpful agent.',
    provider: 'probe-llm',
    model: 'mock-1',
    success: true,
    status: 'ok',
    llmCalls: calls,
    orphanTools: [],
    sawLlmInput: true,
    marks: [],
    ...over,
  };
}

export function mark(name: string, time: number, over: Partial<Mark> = {}): Mark {
  return { name, time, severity: 'info', message: name, ...over };
}

/** Links `child` under `parent` as the engine does for a sessions_spawn subagent. */
export function adopt(parent: Session, child: Session, runId: string, toolCallId: string): void {
  child.parent = { sessionKey: parent.sessionKey, runId, toolCallId };
  child.parentSession = parent;
  child.traceId = parent.traceId;
  parent.children.push(child);
}
