// What a trajectory says about itself for dataset building: the annotations a client attached
// (rewards, outcome, labels; written by `nemoRelay.annotate` into the root's
// `extra.annotations`), the agent, and when it started. Read defensively: the files may come
// from anyone, and a malformed annotation is treated as absent, never as an error.

import type { AtifTrajectory } from '../outputs/atif/types.ts';

export interface Annotations {
  episode_id?: string;
  reward?: number;
  rewards?: Record<string, number>;
  outcome?: string;
  labels?: string[];
  metadata?: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function annotationsOf(doc: AtifTrajectory): Annotations {
  const raw = isObj(doc.extra) ? doc.extra['annotations'] : undefined;
  if (!isObj(raw)) return {};
  const out: Annotations = {};
  if (typeof raw['episode_id'] === 'string') out.episode_id = raw['episode_id'];
  if (finite(raw['reward'])) out.reward = raw['reward'];
  if (isObj(raw['rewards'])) {
    const rewards: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw['rewards'])) if (finite(v)) rewards[k] = v;
    if (Object.keys(rewards).length > 0) out.rewards = rewards;
  }
  if (typeof raw['outcome'] === 'string') out.outcome = raw['outcome'];
  if (Array.isArray(raw['labels'])) {
    const labels = raw['labels'].filter((l): l is string => typeof l === 'string');
    if (labels.length > 0) out.labels = labels;
  }
  if (isObj(raw['metadata'])) out.metadata = raw['metadata'];
  return out;
}

/** Names the trajectory answers to with `--agent`: agent.name, OpenClaw's agent id. */
export function agentNamesOf(doc: AtifTrajectory): string[] {
  const names = [doc.agent.name];
  const agentExtra = doc.agent.extra;
  if (isObj(agentExtra) && typeof agentExtra['agent_id'] === 'string') names.push(agentExtra['agent_id']);
  const oc = isObj(doc.extra) ? doc.extra['openclaw'] : undefined;
  if (isObj(oc) && typeof oc['agent_id'] === 'string') names.push(oc['agent_id']);
  return names;
}

/** Start time (epoch ms): extra.openclaw.started_at, else the first step's timestamp. */
export function startedAtOf(doc: AtifTrajectory): number | undefined {
  const oc = isObj(doc.extra) ? doc.extra['openclaw'] : undefined;
  const candidates = [isObj(oc) ? oc['started_at'] : undefined, ...doc.steps.map((s) => s.timestamp)];
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const t = Date.parse(c);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

/** The id a sample is known by: trajectory_id, else session_id, else the file it came from. */
export function trajectoryKey(doc: AtifTrajectory, file: string): string {
  return doc.trajectory_id ?? doc.session_id ?? file;
}
