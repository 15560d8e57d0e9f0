// Runs: opening a run on its first hook, the run-level hooks (trigger, llm_input, agent_end,
// llm_output) and late events for a run already delivered. A late llm_output becomes an
// amendment (finalize/amend.ts), never a change to the run the outputs received.

import type { HookEvent } from '../ingest/events.ts';
import { amendRun } from '../finalize/amend.ts';
import type { Run, Session } from '../trace/model.ts';
import { usageFrom } from '../trace/usage.ts';
import { lruGet } from '../util/lru.ts';
import type { EngineContext } from './context.ts';
import { finalize, scheduleFinalize } from './deadlines.ts';
import { onModelCall } from './llm-calls.ts';
import { mark, newMark } from './marks.ts';
import { sessionFor } from './sessions.ts';
import type { RunState, SessionState } from './state.ts';
import { onTool } from './tools.ts';
import { placeRun } from './trace-placement.ts';
import { releaseDelivered } from './release-runs.ts';

export type RunEvent = Extract<
  HookEvent,
  { type: 'run_hook' | 'llm_input' | 'model_call_started' | 'model_call_ended' | 'tool_start' | 'tool_end' | 'agent_end' | 'llm_output' | 'provider_request' }
>;

export function onRunEvent(ctx: EngineContext, ev: RunEvent): void {
  if (ev.type === 'llm_output' && ev.runId && ctx.recent.has(ev.runId)) {
    // The normal case when the grace window was too short: an amendment of the delivered run.
    const rs = ctx.recent.get(ev.runId);
    ctx.counters.lateEvents++;
    if (!rs) return; // its session is closed: nothing exported later could show it
    return lateLlmOutput(ctx, rs, ev);
  }
  // llm_output only closes a run (it comes after agent_end): it never opens one, or a late
  // one would become a phantom run holding nothing but usage.
  if (ev.type === 'llm_output' && ev.runId && !ctx.runs.has(ev.runId)) {
    ctx.counters.lateEvents++;
    return;
  }
  // A provider's body belongs to a run its hooks opened; it never opens one.
  if (ev.type === 'provider_request' && ev.runId && !ctx.runs.has(ev.runId)) {
    ctx.counters.lateEvents++;
    return;
  }
  const rs = runFor(ctx, ev, ev.type);
  if (!rs) {
    if (!ev.runId) ctx.counters.unattributed++;
    return;
  }
  const run = rs.run;
  if (ev.trace && rs.openclawTraceId === undefined) {
    rs.openclawTraceId = ev.trace.traceId;
    ctx.runIndex.add(ctx, rs);
  }
  if (ev.type === 'run_hook' || ev.type === 'llm_input' || ev.type === 'agent_end' || ev.type === 'llm_output') placeRun(ctx, rs, ev);
  switch (ev.type) {
    case 'run_hook':
      if (ev.trigger && !run.trigger) run.trigger = ev.trigger;
      return;
    case 'llm_input':
      run.sawLlmInput = true;
      run.prompt = ev.prompt;
      run.systemPrompt = ev.systemPrompt;
      run.provider = ev.provider ?? run.provider;
      run.model = ev.model ?? run.model;
      rs.history = ev.history;
      if (ev.tools) noteTools(rs.session, ev.tools);
      return;
    case 'model_call_started':
    case 'model_call_ended':
      return onModelCall(ctx, rs, ev);
    case 'tool_start':
    case 'tool_end':
      return onTool(ctx, rs, ev);
    case 'agent_end':
      rs.agentEnded = true;
      run.endTime = ev.at;
      run.durationMs = ev.durationMs;
      run.success = ev.success;
      if (ev.error) run.error = ev.error;
      if (ev.success === false) run.status = 'error';
      return scheduleFinalize(ctx, rs, ev.at);
    case 'provider_request': {
      const bodies = (rs.requestBodies ??= new Map());
      if (bodies.size >= ctx.cfg.maxRecordsPerKey && !bodies.has(ev.callId)) return void ctx.counters.recordsDropped++;
      bodies.set(ev.callId, ev.body);
      return;
    }
    case 'llm_output':
      rs.sawLlmOutput = true;
      run.reportedUsage = usageFrom(ev.usage);
      if (rs.agentEnded) scheduleFinalize(ctx, rs, ev.at);
      return;
  }
}

function lateLlmOutput(ctx: EngineContext, rs: RunState, ev: Extract<RunEvent, { type: 'llm_output' }>): void {
  const reportedUsage = usageFrom(ev.usage);
  const late = newMark(ev.at, 'llm_output.late', 'info', 'llm_output arrived after the run was exported (correlation.llmOutputGraceMs)');
  ctx.counters.marks++;
  // On the lane, after the run's own delivery: the snapshot it amends exists by then.
  ctx.defer(() => {
    const delivered = rs.delivered;
    if (!delivered) return;
    const amendment = amendRun(delivered, { reason: 'late_llm_output', reportedUsage, marks: [late] });
    rs.delivered = amendment.run;
    replaceRun(rs.session, delivered, amendment.run, ctx.releaseContent, ctx.keepSessionIo);
    ctx.out.runAmended?.(rs.session.session, amendment);
  });
}

/** Later deliveries of the session carry the amended run (its summary) in the place of the one it corrects. */
function replaceRun(s: SessionState, before: Run, after: Run, release: boolean, keepSessionIo: boolean): void {
  const i = s.session.runs.findIndex((r) => r === before || r.spanId === before.spanId);
  if (i < 0) return;
  s.session.runs[i] = after;
  if (release) releaseDelivered(s, after, keepSessionIo);
}

function runFor(ctx: EngineContext, ev: RunEvent, openedBy: string): RunState | undefined {
  const runId = ev.runId;
  if (runId) {
    const open = lruGet(ctx.runs, runId);
    if (open) {
      open.lastActivity = ev.at;
      open.session.lastActivity = ev.at;
      // keep the session's LRU position fresh
      lruGet(ctx.sessions, open.session.session.sessionKey);
      return open;
    }
    if (ctx.recent.has(runId)) {
      ctx.counters.lateEvents++;
      return undefined;
    }
  }
  const s = sessionFor(ctx, ev, openedBy);
  if (!s) return undefined;
  if (!runId) return s.active;
  return openRun(ctx, s, runId, ev.at);
}

function openRun(ctx: EngineContext, s: SessionState, runId: string, at: number): RunState {
  if (s.runs.size >= ctx.cfg.maxRecordsPerKey) {
    // A session runs one turn at a time (plus an announce run); dozens of open runs mean
    // their ends were never delivered. The oldest is exported with what is known, counted.
    const oldest = s.runs.values().next().value as RunState;
    ctx.counters.recordsDropped++;
    mark(ctx, oldest.run.marks, at, 'run.evicted', 'warning',
      `closed early: more than ${ctx.cfg.maxRecordsPerKey} open runs in this session (correlation.maxRecordsPerKey)`);
    finalize(ctx, oldest, at);
  }
  const run: Run = {
    kind: 'run',
    spanId: ctx.ids.spanId(),
    runId,
    startTime: at,
    status: 'ok',
    llmCalls: [],
    orphanTools: [],
    sawLlmInput: false,
    marks: [],
  };
  if (runId.startsWith('announce:')) run.trigger = 'announce';
  const rs: RunState = {
    run,
    session: s,
    ordinal: s.opened++,
    calls: new Map(),
    owner: new Map(),
    tools: new Map(),
    pendingTools: [],
    pendingOutputs: [],
    transcript: [],
    inputCount: new Map(),
    written: new Set(),
    agentEnded: false,
    sawLlmOutput: false,
    sawFinalAnswer: false,
    lastActivity: at,
  };
  if (s.active && !s.active.agentEnded) {
    mark(ctx, run.marks, at, 'run.overlap', 'warning',
      `run ${s.active.run.runId} of this session had not ended; messages without a runId go to the newest run`);
  }
  s.runs.set(runId, rs);
  s.active = rs;
  ctx.runs.set(runId, rs);
  ctx.runIndex.add(ctx, rs);
  ctx.counters.runs++;
  // A user message written before the run's first hook is this run's prompt.
  const user = s.pendingUser.shift();
  if (user) rs.userMessage = user.message;
  return rs;
}

/** Keeps the tool list for finalize when it differs in size from the one the session has. */
function noteTools(s: SessionState, tools: unknown[]): void {
  // The tool list is the same object shape every run; it is rebuilt only when its size changed.
  const have = s.toolsSent?.length ?? s.session.tools.length;
  if (have === tools.length && have > 0) return;
  s.toolsSent = tools;
}
