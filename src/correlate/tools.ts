// Tools: before_tool_call / after_tool_call pair on toolCallId, which also names the LLM call
// that asked for the tool. A tool whose asking call is unknown waits (bounded), then stays in
// the run as an orphan: the tool call itself is never lost.

import type { HookEvent } from '../ingest/events.ts';
import type { ToolSpan } from '../trace/model.ts';
import type { EngineContext } from './context.ts';
import { SPAWN_TOOL, findSubagentKey, link } from './lineage.ts';
import { mark } from './marks.ts';
import { looseId } from './message-pairing.ts';
import type { RunState } from './state.ts';

export function onTool(ctx: EngineContext, rs: RunState, ev: Extract<HookEvent, { type: 'tool_start' | 'tool_end' }>): void {
  const id = ev.toolCallId ?? `${ev.toolName}@${ev.at}`;
  let tool = rs.tools.get(id);
  if (ev.type === 'tool_start') {
    if (tool) return void ctx.counters.duplicates++;
    tool = newTool(ctx, rs, id, ev.toolName);
    tool.startTime = ev.at;
    tool.arguments = ev.params;
    if (!ev.toolCallId) mark(ctx, tool.marks, ev.at, 'tool.no_call_id', 'warning', 'before_tool_call had no toolCallId');
    return;
  }
  if (tool?.endTime !== undefined) return void ctx.counters.duplicates++;
  if (!tool) {
    tool = newTool(ctx, rs, id, ev.toolName);
    tool.arguments = ev.params;
    if (ev.durationMs !== undefined) {
      tool.startTime = ev.at - ev.durationMs;
      mark(ctx, tool.marks, ev.at, 'tool.start_derived', 'warning',
        'before_tool_call was not seen; start = after_tool_call arrival - OpenClaw durationMs');
    }
  }
  tool.endTime = ev.at;
  tool.durationMs = ev.durationMs;
  tool.result = ev.result as string | undefined; // raw; finalize turns it into captured text
  if (ev.error) {
    tool.status = 'error';
    tool.error = ev.error;
  }
  if (ev.blocked) {
    // OpenClaw's own verdict (result.details.status), not a guess from an error's wording.
    tool.blocked = true;
    tool.status = 'error';
    const reason = ev.deniedReason ? ctx.capture.clean(ev.deniedReason) : undefined;
    if (reason !== undefined) tool.deniedReason = reason;
    tool.error ??= reason !== undefined ? `blocked: ${reason}` : 'blocked';
    mark(ctx, tool.marks, ev.at, 'tool.blocked', 'warning', `tool call blocked${reason !== undefined ? `: ${reason}` : ''}`,
      reason !== undefined ? { deniedReason: reason } : undefined);
  }
  if (ev.toolName === SPAWN_TOOL && !tool.childSessionKey) {
    const child = findSubagentKey(ev.result);
    if (child) {
      tool.childSessionKey = child;
      link(ctx, child, rs.session.session.sessionKey, tool.toolCallId, ev.at, rs.run.runId);
    }
  }
}

function newTool(ctx: EngineContext, rs: RunState, id: string, name: string): ToolSpan {
  const tool: ToolSpan = { kind: 'tool', spanId: ctx.ids.spanId(), toolCallId: id, name, status: 'ok', marks: [] };
  rs.tools.set(id, tool);
  ctx.counters.toolSpans++;
  const owner = rs.owner.get(id) ?? rs.owner.get(looseId(id));
  if (owner) {
    tool.llmCallId = owner.callId;
    owner.tools.push(tool);
  } else {
    rs.pendingTools.push(tool);
    if (rs.pendingTools.length > ctx.cfg.maxRecordsPerKey) {
      // Over the cap the oldest unplaced tool stops waiting for its asking call: it stays in
      // the run as an orphan, so the tool call itself is never lost.
      const oldest = rs.pendingTools.shift()!;
      mark(ctx, oldest.marks, oldest.startTime ?? oldest.endTime ?? 0, 'tool.no_owner', 'warning',
        'gave up waiting for the assistant message that asked for this tool (correlation.maxRecordsPerKey)');
      rs.run.orphanTools.push(oldest);
      ctx.counters.recordsDropped++;
    }
  }
  return tool;
}
