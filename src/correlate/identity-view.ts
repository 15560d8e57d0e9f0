// The identity view the Dynamo provider reads: which session (and trace) a session key,
// sessionId or runId belongs to. Read-only over the engine's tables.

import type { SessionIdentity } from '../trace/identity.ts';
import type { Session } from '../trace/model.ts';
import type { EngineContext } from './context.ts';

const SUBAGENT_KEY = /:subagent:/;

export function bySessionKey(ctx: EngineContext, sessionKey: string): SessionIdentity | undefined {
  const s = ctx.sessions.get(sessionKey);
  return s ? identityOf(s.session) : undefined;
}

/** The session a run belongs to; a provider call can arrive before the run's first hook. */
export function byRunId(ctx: EngineContext, runId: string): SessionIdentity | undefined {
  const open = ctx.runs.get(runId);
  if (open) return identityOf(open.session.session);
  const key = ctx.spawnedRuns.get(runId);
  return key ? bySessionKey(ctx, key) : undefined;
}

export function bySessionId(ctx: EngineContext, sessionId: string): SessionIdentity | undefined {
  const key = ctx.keyBySessionId.get(sessionId);
  return key ? bySessionKey(ctx, key) : undefined;
}

function identityOf(s: Session): SessionIdentity {
  return {
    sessionKey: s.sessionKey,
    ...(s.sessionId ? { sessionId: s.sessionId } : {}),
    ...(s.agentId ? { agentId: s.agentId } : {}),
    traceId: s.traceId,
    ...(s.parent ? { parentSessionKey: s.parent.sessionKey } : {}),
    ...(s.parentSession?.sessionId ? { parentSessionId: s.parentSession.sessionId } : {}),
    isSubagent: !!s.parent || SUBAGENT_KEY.test(s.sessionKey),
  };
}
