// Hand-built trace-model trees for the OTLP exporter tests: a top-level session with two
// runs (tool calls, a failed tool, an orphan tool, a failed model call) and a subagent
// spawned by one of the tool calls. Every id and time is fixed so tests can compare the
// exported spans with the model field by field.

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import type { ChatMessage, LlmCall, Mark, Run, Session, ToolDefinition, ToolSpan, Usage } from '../../../../src/trace/model.ts';
import { CAPTURE_STRIPPED } from '../../../../src/trace/model.ts';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0); // whole ms: exact in OTLP nanos

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const IDS = {
  rootSession: 'a000000000000001',
  run1: 'a000000000000002',
  call1: 'a000000000000003',
  toolRead: 'a000000000000004',
  toolSpawn: 'a000000000000005',
  call2: 'a000000000000006',
  orphanExec: 'a000000000000007',
  run2: 'a000000000000008',
  call3: 'a000000000000009',
  childSession: 'b000000000000001',
  childRun: 'b000000000000002',
  childCall: 'b000000000000003',
} as const;

export const ROOT_SESSION_ID = '6f1c7a52-3d0e-4a8b-9c55-1e2f3a4b5c6d';
export const CHILD_SESSION_ID = '0d9e8f7a-6b5c-4d3e-8f21-aa00bb11cc22';
export const CHILD_KEY = 'agent:main:subagent:4b1d0c2e';

export const SECRET_PROMPT = 'What is in notes.txt? (confidential question)';
export const SECRET_SYSTEM = 'You are a careful agent. (confidential system prompt)';
export const SECRET_ANSWER = 'The notes say: meet at noon. (confidential answer)';
export const SECRET_TOOL_OUTPUT = 'meet at noon (confidential file content)';

export const TOOL_DEFS: ToolDefinition[] = [
  {
    name: 'read_file',
    description: 'Read a file from the workspace',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
  { name: 'sessions_spawn', description: 'Start a subagent', parameters: { type: 'object', properties: { task: { type: 'string' } } } },
  { name: 'exec', description: 'Run a shell command' },
];

export interface Capture {
  prompts: boolean;
  responses: boolean;
  toolArgs: boolean;
  toolResults: boolean;
}

export const FULL_CAPTURE: Capture = { prompts: true, responses: true, toolArgs: true, toolResults: true };
export const NO_CAPTURE: Capture = { prompts: false, responses: false, toolArgs: false, toolResults: false };

function mark(name: string, time: number, severity: Mark['severity'], message: string, attributes?: Mark['attributes']): Mark {
  return attributes ? { name, time, severity, message, attributes } : { name, time, severity, message };
}

/** Applies the capture policy the way src/trace/capture.ts does: the exporters see only this. */
function policy(c: Capture) {
  return {
    prompt: (s: string) => (c.prompts ? s : undefined),
    response: (s: string) => (c.responses ? s : undefined),
    args: (v: unknown) => (c.toolArgs ? v : CAPTURE_STRIPPED),
    result: (s: string) => (c.toolResults ? s : CAPTURE_STRIPPED),
  };
}

export const USAGE_1: Usage = {
  input: 120,
  output: 30,
  cacheRead: 400,
  cacheWrite: 50,
  total: 600,
  cost: { input: 0.00012, output: 0.00009, cacheRead: 0.00004, cacheWrite: 0.0000625, total: 0.0003125 },
};
export const USAGE_2: Usage = { input: 80, output: 15, cacheRead: 550, cacheWrite: 0, total: 645, cost: { total: 0.0002 } };
export const USAGE_CHILD: Usage = { input: 40, output: 10, cacheRead: 0, cacheWrite: 0, total: 50 };

export interface Tree {
  root: Session;
  child: Session;
  run1: Run;
  run2: Run;
  childRun: Run;
  call1: LlmCall;
  call2: LlmCall;
  call3: LlmCall;
  childCall: LlmCall;
  toolRead: ToolSpan;
  toolSpawn: ToolSpan;
  orphanExec: ToolSpan;
}

export function buildTree(capture: Capture = FULL_CAPTURE): Tree {
  const p = policy(capture);
  const system: ChatMessage = { role: 'system', content: p.prompt(SECRET_SYSTEM) };
  const user: ChatMessage = { role: 'user', content: p.prompt(SECRET_PROMPT) };
  const assistant1: ChatMessage = {
    role: 'assistant',
    content: p.response('Let me read it and ask a helper.'),
    toolCalls: [
      { id: 'call_read', name: 'read_file', arguments: p.args({ path: 'notes.txt' }) },
      { id: 'call_spawn', name: 'sessions_spawn', arguments: p.args({ task: 'summarize notes' }) },
    ],
  };
  const toolMsg: ChatMessage = {
    role: 'tool',
    content: capture.toolResults ? SECRET_TOOL_OUTPUT : CAPTURE_STRIPPED,
    toolCallId: 'call_read',
    toolName: 'read_file',
  };
  const spawnMsg: ChatMessage = {
    role: 'tool',
    content: capture.toolResults ? '{"status":"accepted"}' : CAPTURE_STRIPPED,
    toolCallId: 'call_spawn',
    toolName: 'sessions_spawn',
  };
  const assistant2: ChatMessage = { role: 'assistant', content: p.response(SECRET_ANSWER) };

  const toolRead: ToolSpan = {
    kind: 'tool',
    spanId: IDS.toolRead,
    toolCallId: 'call_read',
    name: 'read_file',
    startTime: T0 + 1300,
    endTime: T0 + 1450,
    durationMs: 148,
    arguments: p.args({ path: 'notes.txt' }),
    result: p.result(SECRET_TOOL_OUTPUT),
    status: 'ok',
    llmCallId: 'run-1:model:1',
    marks: [mark('tool.slow', T0 + 1400, 'warning', 'tool took long', { threshold_ms: 100 })],
  };
  const toolSpawn: ToolSpan = {
    kind: 'tool',
    spanId: IDS.toolSpawn,
    toolCallId: 'call_spawn',
    name: 'sessions_spawn',
    startTime: T0 + 1460,
    endTime: T0 + 1600,
    arguments: p.args({ task: 'summarize notes' }),
    result: p.result('{"status":"accepted"}'),
    status: 'ok',
    llmCallId: 'run-1:model:1',
    childSessionKey: CHILD_KEY,
    marks: [],
  };
  const call1: LlmCall = {
    kind: 'llm',
    spanId: IDS.call1,
    callId: 'run-1:model:1',
    index: 1,
    runId: 'run-1',
    provider: 'openai',
    model: 'gpt-test-1',
    api: 'openai-completions',
    transport: 'sse',
    startTime: T0 + 200,
    endTime: T0 + 1250,
    durationMs: 1050,
    timeToFirstByteMs: 300,
    outcome: 'completed',
    input: [system, user],
    output: assistant1,
    usage: USAGE_1,
    stopReason: 'toolUse',
    responseId: 'chatcmpl-1',
    status: 'ok',
    tools: [toolRead, toolSpawn],
    marks: [],
  };
  const call2: LlmCall = {
    kind: 'llm',
    spanId: IDS.call2,
    callId: 'run-1:model:2',
    index: 2,
    runId: 'run-1',
    provider: 'openai',
    model: 'gpt-test-1',
    api: 'openai-completions',
    startTime: T0 + 1700,
    endTime: T0 + 2600,
    outcome: 'completed',
    input: [system, user, assistant1, toolMsg, spawnMsg],
    output: assistant2,
    reasoning: capture.responses ? 'The file says noon.' : undefined,
    usage: USAGE_2,
    stopReason: 'stop',
    responseId: 'chatcmpl-2',
    status: 'ok',
    tools: [],
    marks: [],
  };
  const orphanExec: ToolSpan = {
    kind: 'tool',
    spanId: IDS.orphanExec,
    toolCallId: 'call_exec',
    name: 'exec',
    // Only after_tool_call was seen: the start comes from OpenClaw's duration.
    endTime: T0 + 2900,
    durationMs: 200,
    arguments: p.args({ command: 'cat /etc/shadow' }),
    result: p.result('cat: /etc/shadow: Permission denied'),
    error: 'Permission denied',
    status: 'error',
    marks: [],
  };
  const run1: Run = {
    kind: 'run',
    spanId: IDS.run1,
    runId: 'run-1',
    trigger: 'user',
    startTime: T0 + 100,
    endTime: T0 + 3000,
    durationMs: 2900,
    prompt: p.prompt(SECRET_PROMPT),
    systemPrompt: p.prompt(SECRET_SYSTEM),
    provider: 'openai',
    model: 'gpt-test-1',
    success: true,
    status: 'ok',
    llmCalls: [call1, call2],
    orphanTools: [orphanExec],
    reportedUsage: {
      input: 200,
      output: 45,
      cacheRead: 950,
      cacheWrite: 50,
      total: 1245,
      cost: { total: 0.0005125 },
    },
    sawLlmInput: true,
    marks: [mark('usage.mismatch', T0 + 3000, 'info', 'llm_output total differs from the sum of calls')],
  };

  const call3: LlmCall = {
    kind: 'llm',
    spanId: IDS.call3,
    callId: 'run-2:model:1',
    index: 1,
    runId: 'run-2',
    provider: 'openai',
    model: 'gpt-test-1',
    api: 'openai-completions',
    startTime: T0 + 5100,
    endTime: T0 + 5400,
    outcome: 'error',
    input: [system, { role: 'user', content: p.prompt('second question') }],
    error: '500 Internal Server Error from provider',
    status: 'error',
    tools: [],
    marks: [],
  };
  const run2: Run = {
    kind: 'run',
    spanId: IDS.run2,
    runId: 'run-2',
    trigger: 'user',
    startTime: T0 + 5000,
    endTime: T0 + 5500,
    prompt: p.prompt('second question'),
    provider: 'openai',
    model: 'gpt-test-1',
    success: false,
    error: 'model call failed',
    status: 'error',
    llmCalls: [call3],
    orphanTools: [],
    sawLlmInput: true,
    marks: [],
  };

  const root: Session = {
    kind: 'session',
    traceId: TRACE_ID,
    spanId: IDS.rootSession,
    sessionKey: 'agent:main:main',
    sessionId: ROOT_SESSION_ID,
    agentId: 'main',
    startTime: T0,
    endTime: T0 + 9000,
    endReason: 'shutdown',
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [run1, run2],
    tools: TOOL_DEFS,
    provider: 'openai',
    model: 'gpt-test-1',
    marks: [mark('session.started', T0, 'info', 'session_start')],
    closed: true,
  };

  const childCall: LlmCall = {
    kind: 'llm',
    spanId: IDS.childCall,
    callId: 'child-run:model:1',
    index: 1,
    runId: 'child-run',
    provider: 'openai',
    model: 'gpt-test-mini',
    api: 'openai-completions',
    startTime: T0 + 1700,
    endTime: T0 + 2100,
    outcome: 'completed',
    input: [{ role: 'user', content: p.prompt('summarize notes') }],
    output: { role: 'assistant', content: p.response('Summary: noon.') },
    usage: USAGE_CHILD,
    stopReason: 'stop',
    status: 'ok',
    tools: [],
    marks: [],
  };
  const childRun: Run = {
    kind: 'run',
    spanId: IDS.childRun,
    runId: 'child-run',
    trigger: 'user',
    startTime: T0 + 1650,
    endTime: T0 + 2200,
    prompt: p.prompt('summarize notes'),
    provider: 'openai',
    model: 'gpt-test-mini',
    success: true,
    status: 'ok',
    llmCalls: [childCall],
    orphanTools: [],
    sawLlmInput: true,
    marks: [],
  };
  const child: Session = {
    kind: 'session',
    traceId: TRACE_ID,
    spanId: IDS.childSession,
    sessionKey: CHILD_KEY,
    sessionId: CHILD_SESSION_ID,
    agentId: 'main',
    startTime: T0 + 1620,
    // No session_end for subagents: the end is unknown and must be inferred.
    openedBy: 'subagent_spawned',
    segment: 1,
    parent: { sessionKey: root.sessionKey, runId: 'run-1', toolCallId: 'call_spawn' },
    parentSession: root,
    children: [],
    runs: [childRun],
    tools: [],
    model: 'gpt-test-mini',
    marks: [],
    closed: true,
  };
  root.children.push(child);

  return { root, child, run1, run2, childRun, call1, call2, call3, childCall, toolRead, toolSpawn, orphanExec };
}

/** Exports the whole tree the way the runtime would: runs as they end, children before the root. */
export function exportTree(sink: { runEnded(s: Session, r: Run): void; sessionEnded(s: Session): void }, tree: Tree): void {
  sink.runEnded(tree.root, tree.run1);
  sink.runEnded(tree.child, tree.childRun);
  sink.sessionEnded(tree.child);
  sink.runEnded(tree.root, tree.run2);
  sink.sessionEnded(tree.root);
}

export const TREE_SPAN_COUNT = 12;

/** A run with `tools` tool spans under one LLM call: 2 + tools spans. */
export function simpleRun(session: Session, n: number, tools = 0): Run {
  const hex = (k: number) => `c${n.toString(16).padStart(7, '0')}${k.toString(16).padStart(8, '0')}`;
  const toolSpans: ToolSpan[] = Array.from({ length: tools }, (_, k) => ({
    kind: 'tool',
    spanId: hex(k + 2),
    toolCallId: `call_${n}_${k}`,
    name: 'read_file',
    startTime: T0 + 10,
    endTime: T0 + 20,
    status: 'ok',
    marks: [],
  }));
  const run: Run = {
    kind: 'run',
    spanId: hex(0),
    runId: `run-${n}`,
    startTime: T0,
    endTime: T0 + 50,
    status: 'ok',
    llmCalls: [
      {
        kind: 'llm',
        spanId: hex(1),
        callId: `run-${n}:model:1`,
        index: 1,
        runId: `run-${n}`,
        model: 'gpt-test-1',
        startTime: T0 + 1,
        endTime: T0 + 30,
        input: [],
        status: 'ok',
        tools: toolSpans,
        marks: [],
      },
    ],
    orphanTools: [],
    sawLlmInput: false,
    marks: [],
  };
  session.runs.push(run);
  return run;
}

export function bareSession(traceId = TRACE_ID): Session {
  return {
    kind: 'session',
    traceId,
    spanId: 'd000000000000001',
    sessionKey: 'agent:main:bare',
    openedBy: 'model_call_started',
    segment: 1,
    children: [],
    runs: [],
    tools: [],
    marks: [],
    closed: false,
  };
}

export function otlpConfig(endpoint: string, overrides: Partial<OtlpOutputConfig> = {}): OtlpOutputConfig {
  return {
    name: 'opentelemetry',
    projection: 'gen_ai',
    enabled: true,
    endpoint,
    transport: 'http_binary',
    headers: {},
    serviceName: 'openclaw-nemo-relay-test',
    resourceAttributes: { 'deployment.environment.name': 'test' },
    timeoutMillis: 2000,
    compression: 'gzip',
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 20,
    ...overrides,
  };
}
