// Runs with known numbers for the metrics and logs tests: every call's usage, cost, duration
// and time to first byte is chosen here, so expected totals are plain arithmetic on the spec.

import type { LlmCall, Mark, Run, Session, ToolSpan } from '../../src/trace/model.ts';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface CallSpec {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  cost?: number;
  durationMs?: number;
  ttfbMs?: number;
  model?: string;
  provider?: string;
  fail?: boolean;
  tools?: { name: string; durationMs: number; fail?: boolean; marks?: Mark[] }[];
  marks?: Mark[];
  /** No usage at all (the provider reported none). */
  noUsage?: boolean;
}

let seq = 0;
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

export function session(agentId = 'main', traceSeed = 1): Session {
  return {
    kind: 'session',
    traceId: `f${hex(traceSeed, 31)}`,
    spanId: `e${hex(traceSeed, 15)}`,
    sessionKey: `agent:${agentId}:s${traceSeed}`,
    sessionId: `00000000-0000-4000-8000-${hex(traceSeed, 12)}`,
    agentId,
    openedBy: 'session_start',
    segment: 1,
    children: [],
    runs: [],
    tools: [],
    marks: [],
    closed: false,
  };
}

export function run(s: Session, calls: CallSpec[], extra: { durationMs?: number; fail?: boolean; marks?: Mark[] } = {}): Run {
  const runNo = ++seq;
  const runId = `run-${runNo}`;
  const llmCalls: LlmCall[] = calls.map((c, i) => {
    const tools: ToolSpan[] = (c.tools ?? []).map((t, k) => ({
      kind: 'tool',
      spanId: `7${hex(runNo, 7)}${hex(i * 100 + k + 1, 8)}`,
      toolCallId: `${runId}-call${i}-tool${k}`,
      name: t.name,
      startTime: T0 + 10,
      endTime: T0 + 10 + t.durationMs,
      durationMs: t.durationMs,
      status: t.fail ? 'error' : 'ok',
      ...(t.fail ? { error: 'tool failed' } : {}),
      marks: t.marks ?? [],
    }));
    const call: LlmCall = {
      kind: 'llm',
      spanId: `6${hex(runNo, 7)}${hex(i + 1, 8)}`,
      callId: `${runId}:model:${i + 1}`,
      index: i + 1,
      runId,
      provider: c.provider ?? 'openai',
      model: c.model ?? 'gpt-test-1',
      startTime: T0,
      ...(c.durationMs !== undefined ? { endTime: T0 + c.durationMs, durationMs: c.durationMs } : {}),
      ...(c.ttfbMs !== undefined ? { timeToFirstByteMs: c.ttfbMs } : {}),
      outcome: c.fail ? 'error' : 'completed',
      input: [],
      status: c.fail ? 'error' : 'ok',
      ...(c.fail ? { error: 'provider said no' } : {}),
      tools,
      marks: c.marks ?? [],
    };
    if (!c.noUsage) {
      const u = { input: c.input, output: c.output, cacheRead: c.cacheRead ?? 0, cacheWrite: c.cacheWrite ?? 0 };
      call.usage = { ...u, total: u.input + u.output + u.cacheRead + u.cacheWrite, ...(c.cost !== undefined ? { cost: { total: c.cost } } : {}) };
    }
    return call;
  });
  const r: Run = {
    kind: 'run',
    spanId: `5${hex(runNo, 15)}`,
    runId,
    startTime: T0,
    ...(extra.durationMs !== undefined ? { endTime: T0 + extra.durationMs, durationMs: extra.durationMs } : {}),
    provider: 'openai',
    model: 'gpt-test-1',
    success: !extra.fail,
    status: extra.fail ? 'error' : 'ok',
    ...(extra.fail ? { error: 'run failed' } : {}),
    llmCalls,
    orphanTools: [],
    sawLlmInput: true,
    marks: extra.marks ?? [],
  };
  s.runs.push(r);
  return r;
}
