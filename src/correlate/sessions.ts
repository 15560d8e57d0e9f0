// Sessions: the table of open sessions (an LRU by activity, capped by maxOpenSessions),
// the sessionId index, segments of a reused key, and closing (children first, runs before
// their session).

import { snapshotSession } from '../finalize/snapshot.ts';
import type { Session } from '../trace/model.ts';
import { segmentsCap } from '../util/caps.ts';
import { lruGet, lruInsert } from '../util/lru.ts';
import type { EngineContext } from './context.ts';
import { finalize } from './deadlines.ts';
import { link } from './lineage.ts';
import { mark } from './marks.ts';
import type { SessionState } from './state.ts';

export interface SessionRef {
  sessionKey?: string;
  sessionId?: string;
  agentId?: string;
  at: number;
}

/** The open session an event names (opening it if needed), marked most recently active. */
export function sessionFor(ctx: EngineContext, ev: SessionRef, openedBy: string): SessionState | undefined {
  let key = ev.sessionKey;
  if (!key && ev.sessionId) key = ctx.keyBySessionId.get(ev.sessionId) ?? `session:${ev.sessionId}`;
  if (!key) {
    ctx.counters.unattributed++;
    return undefined;
  }
  const s = lruGet(ctx.sessions, key) ?? openSession(ctx, key, ev.at, openedBy);
  s.lastActivity = ev.at;
  if (ev.sessionId && !s.session.sessionId) {
    s.session.sessionId = ev.sessionId;
    ctx.keyBySessionId.set(ev.sessionId, key);
  }
  if (ev.agentId && !s.session.agentId) s.session.agentId = ev.agentId;
  return s;
}

/** The open session named by key or sessionId, without opening one. */
export function findSession(ctx: EngineContext, sessionKey: string | undefined, sessionId: string | undefined): SessionState | undefined {
  const key = sessionKey ?? (sessionId ? ctx.keyBySessionId.get(sessionId) : undefined);
  return key ? ctx.sessions.get(key) : undefined;
}

export function openSession(ctx: EngineContext, key: string, at: number, openedBy: string): SessionState {
  if (ctx.sessions.size >= ctx.cfg.maxOpenSessions) {
    const oldest = ctx.sessions.values().next().value as SessionState;
    ctx.counters.sessionsEvicted++;
    mark(ctx, oldest.session.marks, at, 'session.evicted', 'warning',
      `closed early: more than ${ctx.cfg.maxOpenSessions} open sessions (correlation.maxOpenSessions)`);
    closeSession(ctx, oldest, at, 'evicted');
  }
  const segment = (lruGet(ctx.segments, key) ?? 0) + 1;
  lruInsert(ctx.segments, key, segment, segmentsCap(ctx.cfg.maxOpenSessions));
  const session: Session = {
    kind: 'session',
    traceId: ctx.ids.traceId(),
    spanId: ctx.ids.spanId(),
    sessionKey: key,
    startTime: at,
    openedBy,
    segment,
    children: [],
    runs: [],
    tools: [],
    marks: [],
    closed: false,
  };
  const state: SessionState = { session, runs: new Map(), recent: new Map(), pendingUser: [], lastActivity: at, opened: 0, delivered: [] };
  ctx.sessions.set(key, state);
  ctx.counters.sessionsOpened++;
  const lineage = ctx.pendingLineage.get(key);
  if (lineage?.parentKey) {
    ctx.pendingLineage.delete(key);
    link(ctx, key, lineage.parentKey, lineage.toolCallId, at, lineage.parentRunId);
  }
  return state;
}

export function closeSession(ctx: EngineContext, s: SessionState, at: number, reason: string): void {
  if (s.session.closed) return;
  // Open children close with their parent: nothing is left dangling in memory.
  for (const child of s.session.children) {
    const cs = ctx.sessions.get(child.sessionKey);
    if (cs && cs.session === child) closeSession(ctx, cs, at, `parent_${reason}`);
  }
  for (const rs of [...s.runs.values()]) finalize(ctx, rs, at);
  // A late llm_output can only reach what is still exported later: nothing, once the
  // session is closed. Its finished runs (whole conversations each) need not stay around.
  for (const [runId, r] of s.recent) {
    if (ctx.recent.get(runId) !== r) continue;
    ctx.runIndex.remove(r);
    ctx.recent.set(runId, null);
  }
  s.recent.clear();
  for (const u of s.pendingUser) {
    mark(ctx, s.session.marks, u.at, 'message.unpaired_user', 'warning', 'a user message was written but no run followed it');
  }
  s.pendingUser.length = 0;
  s.session.closed = true;
  s.session.endTime = at;
  s.session.endReason = reason;
  if (ctx.sessions.get(s.session.sessionKey) === s) ctx.sessions.delete(s.session.sessionKey);
  if (s.session.sessionId && ctx.keyBySessionId.get(s.session.sessionId) === s.session.sessionKey) {
    ctx.keyBySessionId.delete(s.session.sessionId);
  }
  ctx.counters.sessionsClosed++;
  // Deferred like its runs' finalization, so the outputs see the runs end before the session.
  // The snapshot is built there too, on the lane, never in the hook handler.
  ctx.defer(() => ctx.out.sessionEnded(snapshotSession(s.session)));
}

/** Closes every open session (gateway_stop, process exit). */
export function closeAll(ctx: EngineContext, at: number, reason: string): void {
  // Children first, so a root's final export already holds them closed.
  const open = [...ctx.sessions.values()].sort((a, b) => Number(!!b.session.parent) - Number(!!a.session.parent));
  for (const s of open) closeSession(ctx, s, at, reason);
}
