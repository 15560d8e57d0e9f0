// LLM calls other plugins make through `api.runtime.llm` (memory, summaries). They fire no hooks
// and send no traceparent; OpenClaw's only trace is a `model.usage` diagnostic event. An agent
// run emits model.usage too, in its own OpenClaw trace: one whose trace id belongs to a run the
// hooks showed is that run's total and is skipped. Any other becomes a run of its own in its
// session, holding one LLM call flagged plugin-originated, with the usage and duration OpenClaw
// reported and nothing else (no content exists to show).

import type { HookEvent } from '../ingest/events.ts';
import type { LlmCall, Run } from '../trace/model.ts';
import { usageFrom } from '../trace/usage.ts';
import type { EngineContext } from './context.ts';
import { finalize } from './deadlines.ts';
import { mark } from './marks.ts';
import { sessionFor } from './sessions.ts';
import type { RunState } from './state.ts';

type ModelUsage = Extract<HookEvent, { type: 'model_usage' }>;

export function onModelUsage(ctx: EngineContext, ev: ModelUsage): void {
  if (ev.diagnosticTraceId !== undefined && knownTrace(ctx, ev.diagnosticTraceId)) {
    ctx.counters.usageOfObservedRuns++;
    return;
  }
  // OpenClaw names the session only when the calling plugin gave one (its audit): the others
  // are grouped per agent in a session of their own, so they are still exported.
  const ref = ev.sessionKey || ev.sessionId ? ev : { ...ev, sessionKey: `plugin-llm:${ev.agentId ?? 'unknown-agent'}` };
  if (ref !== ev) ctx.counters.pluginLlmCallsUnattributed++;
  const s = sessionFor(ctx, ref, 'model.usage');
  if (!s) {
    ctx.counters.pluginLlmCallsUnattributed++;
    return;
  }
  const n = ++ctx.counters.pluginLlmCalls;
  const runId = `plugin-llm:${n}`;
  const start = ev.durationMs !== undefined ? ev.at - ev.durationMs : ev.at;
  const run: Run = {
    kind: 'run', spanId: ctx.ids.spanId(), runId, trigger: 'plugin', startTime: start, endTime: ev.at,
    durationMs: ev.durationMs, provider: ev.provider, model: ev.model, success: true, status: 'ok',
    llmCalls: [], orphanTools: [], sawLlmInput: false, marks: [],
  };
  const usage = usageFrom(ev.usage);
  if (usage && ev.costUsd !== undefined) usage.cost = { total: ev.costUsd };
  const call: LlmCall = {
    kind: 'llm', spanId: ctx.ids.spanId(), callId: `${runId}:model:1`, index: 1, runId,
    provider: ev.provider, model: ev.model, startTime: start, endTime: ev.at, durationMs: ev.durationMs,
    input: [], status: 'ok', tools: [], marks: [], pluginOriginated: true,
    ...(usage ? { usage } : {}),
  };
  mark(ctx, call.marks, ev.at, 'llm.plugin_originated', 'info',
    `made by another plugin through api.runtime.llm: OpenClaw reports only its usage${ev.durationMs !== undefined ? ' and duration' : ' (no duration: start = end = the event)'}; no hooks, no content, no traceparent`);
  run.llmCalls.push(call);
  ctx.counters.llmSpans++;
  ctx.counters.runs++;
  const rs: RunState = {
    run, session: s, ordinal: s.opened++, calls: new Map([[call.callId, call]]), owner: new Map(), tools: new Map(),
    pendingTools: [], pendingOutputs: [], transcript: [], inputCount: new Map(), written: new Set(),
    agentEnded: true, sawLlmOutput: true, sawFinalAnswer: true, lastActivity: ev.at,
  };
  // Never the session's active run: messages without a runId belong to the agent's own run.
  const active = s.active;
  s.runs.set(runId, rs);
  ctx.runs.set(runId, rs);
  ctx.runIndex.add(ctx, rs);
  finalize(ctx, rs, ev.at);
  if (active && s.runs.has(active.run.runId)) s.active = active;
}

function knownTrace(ctx: EngineContext, traceId: string): boolean {
  return ctx.runIndex.hasTrace(ctx, traceId);
}
