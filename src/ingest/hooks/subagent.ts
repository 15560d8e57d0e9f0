// Subagent hooks: identity comes from their own fields (ctx is the requester's), not from `base`.
import { num, obj, str } from '../read.ts';
import { errorText } from './fields.ts';
import { done, hook, reject, type Base } from './types.ts';

export type SubagentSpawnedEvent = Base & { type: 'subagent_spawned'; childSessionKey: string; childRunId?: string; requesterSessionKey?: string };
export type SubagentTargetEvent = Base & { type: 'subagent_target'; childSessionKey: string; requesterSessionKey: string; childRunId?: string };
export type SubagentEndedEvent = Base & { type: 'subagent_ended'; childSessionKey: string; reason?: string; outcome?: string; endedAt?: number; error?: string };

export const subagentSpawned = hook('subagent_spawned', (x) => {
  const { e, c, bad, at } = x;
  const childSessionKey = str(e, 'childSessionKey', bad);
  if (!childSessionKey) return reject<SubagentSpawnedEvent>(x, 'subagent_spawned: childSessionKey missing');
  const requester = obj(e, 'requester', bad);
  return done<SubagentSpawnedEvent>(x, {
    at,
    agentId: str(e, 'agentId', bad),
    type: 'subagent_spawned',
    childSessionKey,
    childRunId: str(e, 'runId', bad),
    // OpenClaw puts the requester in ctx for subagent hooks (they carry no ctx.sessionKey).
    requesterSessionKey: str(requester, 'sessionKey', bad, 'requester.sessionKey') ?? str(c, 'requesterSessionKey', bad, 'ctx.requesterSessionKey'),
  });
});

export const subagentDeliveryTarget = hook('subagent_delivery_target', (x) => {
  const { e, bad, at } = x;
  const childSessionKey = str(e, 'childSessionKey', bad);
  const requesterSessionKey = str(e, 'requesterSessionKey', bad);
  if (!childSessionKey || !requesterSessionKey) return reject<SubagentTargetEvent>(x, 'subagent_delivery_target: childSessionKey or requesterSessionKey missing');
  return done<SubagentTargetEvent>(x, { at, type: 'subagent_target', childSessionKey, requesterSessionKey, childRunId: str(e, 'childRunId', bad) });
});

export const subagentEnded = hook('subagent_ended', (x) => {
  const { e, bad, at } = x;
  const childSessionKey = str(e, 'targetSessionKey', bad);
  if (!childSessionKey) return reject<SubagentEndedEvent>(x, 'subagent_ended: targetSessionKey missing');
  return done<SubagentEndedEvent>(x, {
    at,
    type: 'subagent_ended',
    childSessionKey,
    runId: str(e, 'runId', bad),
    reason: str(e, 'reason', bad),
    outcome: str(e, 'outcome', bad),
    endedAt: num(e, 'endedAt', bad),
    error: errorText(e.error, bad),
  });
});
