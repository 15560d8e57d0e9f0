// Subagent lineage: which session spawned which, from subagent_spawned (fired inside the
// parent's sessions_spawn tool call), subagent_delivery_target and the spawn tool's result.
// Lineage can arrive before the child's session exists; it waits, bounded.

import type { Session, ToolSpan } from '../trace/model.ts';
import { SPAWNED_RUNS_CAP, pendingLineageCap } from '../util/caps.ts';
import { lruInsert } from '../util/lru.ts';
import type { EngineContext } from './context.ts';
import { mark } from './marks.ts';
import { openSession } from './sessions.ts';

export const SPAWN_TOOL = 'sessions_spawn';

/** subagent_spawned names the child's run before any hook of that run: the identity view needs it. */
export function noteSpawnedRun(ctx: EngineContext, childRunId: string, childKey: string): void {
  ctx.spawnedRuns.delete(childRunId);
  lruInsert(ctx.spawnedRuns, childRunId, childKey, SPAWNED_RUNS_CAP);
}

export function onSubagentSpawned(ctx: EngineContext, childKey: string, at: number, requesterKey: string | undefined, agentId: string | undefined): void {
  let parentKey = requesterKey;
  let toolCallId: string | undefined;
  let parentRunId: string | undefined;
  // subagent_spawned fires inside the parent's sessions_spawn tool call: find that call.
  const spawning: { key: string; tool: ToolSpan; runId: string }[] = [];
  for (const rs of ctx.runs.values()) {
    for (const t of rs.tools.values()) {
      if (t.name === SPAWN_TOOL && t.endTime === undefined && !t.childSessionKey) {
        spawning.push({ key: rs.session.session.sessionKey, tool: t, runId: rs.run.runId });
      }
    }
  }
  const candidates = parentKey ? spawning.filter((c) => c.key === parentKey) : spawning;
  const pick = candidates[candidates.length - 1];
  if (pick) {
    parentKey = pick.key;
    toolCallId = pick.tool.toolCallId;
    parentRunId = pick.runId;
    pick.tool.childSessionKey = childKey;
    if (candidates.length > 1) {
      mark(ctx, pick.tool.marks, at, 'subagent.ambiguous_parent', 'warning',
        `${candidates.length} sessions_spawn calls were in flight; linked ${childKey} to the latest`);
    }
  }
  if (!parentKey) {
    // subagent_delivery_target names the requester later; remember the child until then.
    ctx.pendingLineage.set(childKey, {});
    trimLineage(ctx);
  }
  const child = ctx.sessions.get(childKey) ?? openSession(ctx, childKey, at, 'subagent_spawned');
  if (agentId && !child.session.agentId) child.session.agentId = agentId;
  if (parentKey) link(ctx, childKey, parentKey, toolCallId, at, parentRunId);
}

export function link(ctx: EngineContext, childKey: string, parentKey: string, toolCallId: string | undefined, at: number, parentRunId?: string): void {
  if (childKey === parentKey) return;
  const child = ctx.sessions.get(childKey);
  const parent = ctx.sessions.get(parentKey);
  if (!child) {
    ctx.pendingLineage.set(childKey, { parentKey, toolCallId, parentRunId });
    trimLineage(ctx);
    return;
  }
  ctx.pendingLineage.delete(childKey);
  if (!parent) {
    mark(ctx, child.session.marks, at, 'subagent.parent_unknown', 'warning', `parent session ${parentKey} is not open`);
    return;
  }
  const c = child.session;
  if (c.parentSession === parent.session) {
    if (toolCallId && !c.parent?.toolCallId && c.parent) {
      c.parent.toolCallId = toolCallId;
      const tool = c.parent.runId ? ctx.runs.get(c.parent.runId)?.tools.get(toolCallId) : undefined;
      if (tool) c.parent.toolSpanId = tool.spanId;
    }
    return;
  }
  // A cycle would make rootOf() loop and the ATIF tree infinite.
  for (let p: Session | undefined = parent.session; p; p = p.parentSession) if (p === c) return;
  if (c.parentSession) {
    const siblings = c.parentSession.children;
    const i = siblings.indexOf(c);
    if (i >= 0) siblings.splice(i, 1);
    mark(ctx, c.marks, at, 'subagent.relinked', 'warning', `parent changed to ${parentKey}`);
  }
  const runId = parentRunId ?? parent.active?.run.runId;
  const parentRun = runId ? ctx.runs.get(runId) : undefined;
  const tool = toolCallId ? parentRun?.tools.get(toolCallId) : undefined;
  c.parent = {
    sessionKey: parentKey,
    ...(runId ? { runId } : {}),
    ...(toolCallId ? { toolCallId } : {}),
    ...(parentRun ? { runSpanId: parentRun.run.spanId } : {}),
    ...(parentRun?.run.trace ? { runTraceId: parentRun.run.trace.traceId } : {}),
    ...(tool ? { toolSpanId: tool.spanId } : {}),
  };
  c.parentSession = parent.session;
  c.traceId = parent.session.traceId;
  parent.session.children.push(c);
}

function trimLineage(ctx: EngineContext): void {
  const cap = pendingLineageCap(ctx.cfg.maxRecordsPerKey);
  while (ctx.pendingLineage.size > cap) {
    ctx.pendingLineage.delete(ctx.pendingLineage.keys().next().value as string);
    ctx.counters.recordsDropped++;
  }
}

/** sessions_spawn returns the child's session key somewhere in its result. */
export function findSubagentKey(result: unknown, depth = 0): string | undefined {
  if (typeof result === 'string') return /agent:[^\s"']+:subagent:[0-9a-f-]{8,}/i.exec(result)?.[0];
  if (depth > 4 || typeof result !== 'object' || result === null) return undefined;
  const o = result as Record<string, unknown>;
  if (typeof o.childSessionKey === 'string') return o.childSessionKey;
  for (const v of Object.values(o)) {
    const hit = findSubagentKey(v, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}
