// Messages: before_message_write carries only the session key, so a message attaches to the
// session's active run; an assistant message pairs with the oldest call that has no output,
// and the tool calls it names become owners of the tools that follow.

import type { MessageIn } from '../ingest/events.ts';
import type { LlmCall } from '../trace/model.ts';
import { usageFrom } from '../trace/usage.ts';
import type { EngineContext } from './context.ts';
import { scheduleFinalize } from './deadlines.ts';
import { oldestOpenCall } from './llm-calls.ts';
import { resultText, splitContent } from './messages.ts';
import { sessionFor, type SessionRef } from './sessions.ts';
import { pushCapped, type RunState } from './state.ts';

export function onMessage(ctx: EngineContext, m: MessageIn, ev: SessionRef): void {
  const s = sessionFor(ctx, ev, 'before_message_write');
  if (!s) return;
  const rs = s.active && ctx.runs.get(s.active.run.runId) === s.active ? s.active : undefined;
  if (m.role === 'user') {
    if (rs && !rs.userMessage && rs.run.llmCalls.length === 0) rs.userMessage = m;
    else if (pushCapped(s.pendingUser, { message: m, at: ev.at }, ctx.cfg.maxRecordsPerKey)) ctx.counters.recordsDropped++;
    return;
  }
  if (!rs) {
    // Outside any run (e.g. a message injected by a command): nothing to attach it to.
    ctx.counters.unattributed++;
    return;
  }
  rs.lastActivity = ev.at;
  // The same message delivered twice (two plugin instances, a retried write) is one message.
  if (m.timestamp !== undefined) {
    const fp = `${m.role}|${m.timestamp}|${m.responseId ?? m.toolCallId ?? ''}`;
    if (rs.written.has(fp)) return void ctx.counters.duplicates++;
    rs.written.add(fp);
  }
  if (m.role === 'assistant') {
    const call = oldestOpenCall(rs);
    if (!call) {
      if (pushCapped(rs.pendingOutputs, { message: m, at: ev.at }, ctx.cfg.maxRecordsPerKey)) ctx.counters.recordsDropped++;
      return;
    }
    applyOutput(ctx, rs, call, m, ev.at);
    return;
  }
  if (m.role === 'toolResult' || m.role === 'tool') {
    rs.transcript.push(m);
    const tool = m.toolCallId ? rs.tools.get(m.toolCallId) : undefined;
    // after_tool_call normally brings the result; a synthetic or blocked result comes only here.
    if (tool && tool.result === undefined && tool.endTime === undefined && m.isError) {
      tool.status = 'error';
      tool.error ??= resultText(m.content) ?? 'tool failed';
    }
    return;
  }
  rs.transcript.push(m);
}

export function applyOutput(ctx: EngineContext, rs: RunState, call: LlmCall, m: MessageIn, at: number): void {
  const parts = splitContent(m.content);
  call.output = { role: 'assistant', content: parts.text, ...(parts.toolCalls.length ? { toolCalls: parts.toolCalls } : {}) };
  if (parts.reasoning) call.reasoning = parts.reasoning;
  call.usage = usageFrom(m.usage);
  call.stopReason = m.stopReason;
  call.responseId = m.responseId;
  call.provider ??= m.provider;
  call.model ??= m.model;
  rs.session.session.provider = call.provider ?? rs.session.session.provider;
  rs.session.session.model = call.model ?? rs.session.session.model;
  if (m.stopReason === 'error' || m.errorMessage) {
    call.status = 'error';
    call.error ??= m.errorMessage ?? 'the model call failed';
  }
  rs.transcript.push(m);
  for (const tc of parts.toolCalls) {
    rs.owner.set(tc.id, call);
    // Some transports sanitize ids in the transcript (`call_1_0` in hooks, `call10` here).
    rs.owner.set(looseId(tc.id), call);
    // A tool that started before this message named it (out of order) moves under its call.
    const i = rs.pendingTools.findIndex((t) => t.toolCallId === tc.id || looseId(t.toolCallId) === looseId(tc.id));
    if (i >= 0) {
      const [tool] = rs.pendingTools.splice(i, 1);
      tool!.llmCallId = call.callId;
      call.tools.push(tool!);
    }
  }
  if (m.stopReason && m.stopReason !== 'toolUse' && parts.toolCalls.length === 0) {
    rs.sawFinalAnswer = true;
    // Without conversation access no agent_end comes: the final answer closes the run.
    if (!rs.run.sawLlmInput && !rs.agentEnded) scheduleFinalize(ctx, rs, at);
  }
}

export function looseId(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, '');
}
