import { num, str } from '../read.ts';
import { done, hook, reject, type Base } from './types.ts';

export type SessionStartEvent = Base & { type: 'session_start'; resumedFrom?: string };
export type SessionEndEvent = Base & { type: 'session_end'; reason?: string; durationMs?: number };

export const sessionStart = hook('session_start', (x) => {
  if (!x.base.sessionKey && !x.base.sessionId) return reject<SessionStartEvent>(x, 'session_start: no sessionKey or sessionId');
  return done<SessionStartEvent>(x, { ...x.base, type: 'session_start', resumedFrom: str(x.e, 'resumedFrom', x.bad) });
});

export const sessionEnd = hook('session_end', (x) => {
  if (!x.base.sessionKey && !x.base.sessionId) return reject<SessionEndEvent>(x, 'session_end: no sessionKey or sessionId');
  return done<SessionEndEvent>(x, { ...x.base, type: 'session_end', reason: str(x.e, 'reason', x.bad), durationMs: num(x.e, 'durationMs', x.bad) });
});
