// Which trajectories an export keeps. Every condition given must hold (AND); the values of one
// repeated `--filter KEY=VALUE` key are alternatives (OR). Annotations are read from the root
// document: an embedded subagent trajectory is judged by its episode's reward and outcome,
// and by its own agent.

import type { AtifTrajectory } from '../outputs/atif/types.ts';
import { agentNamesOf, annotationsOf, startedAtOf, type Annotations } from './annotations.ts';

export const FILTER_KEYS = ['outcome', 'episode_id', 'label'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface FilterSpec {
  /** key -> accepted values. */
  match: Map<FilterKey, Set<string>>;
  minReward?: number;
  agent?: string;
  /** Epoch ms: trajectories that started before are dropped (and those with no known start). */
  since?: number;
}

export function parseFilters(opts: { filter?: string[]; minReward?: string; agent?: string; since?: string }): FilterSpec {
  const spec: FilterSpec = { match: new Map() };
  for (const f of opts.filter ?? []) {
    const eq = f.indexOf('=');
    const key = eq > 0 ? f.slice(0, eq) : '';
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new Error(`--filter: "${f}" is not KEY=VALUE with KEY one of ${FILTER_KEYS.join(', ')}`);
    }
    const set = spec.match.get(key as FilterKey) ?? new Set<string>();
    set.add(f.slice(eq + 1));
    spec.match.set(key as FilterKey, set);
  }
  if (opts.minReward !== undefined) {
    const v = Number(opts.minReward);
    if (opts.minReward.trim() === '' || !Number.isFinite(v)) throw new Error(`--min-reward: "${opts.minReward}" is not a number`);
    spec.minReward = v;
  }
  if (opts.agent !== undefined) {
    if (opts.agent === '') throw new Error('--agent: expected a non-empty agent name');
    spec.agent = opts.agent;
  }
  if (opts.since !== undefined) {
    const t = Date.parse(opts.since);
    if (!Number.isFinite(t)) throw new Error(`--since: "${opts.since}" is not a date (ISO 8601, e.g. 2026-11-21 or 2026-11-21T02:00:00Z)`);
    spec.since = t;
  }
  return spec;
}

function annotationValues(a: Annotations, key: FilterKey): string[] {
  switch (key) {
    case 'outcome':
      return a.outcome !== undefined ? [a.outcome] : [];
    case 'episode_id':
      return a.episode_id !== undefined ? [a.episode_id] : [];
    case 'label':
      return a.labels ?? [];
  }
}

/** `root` carries the annotations; `doc` is the trajectory itself (root or embedded). */
export function accepts(spec: FilterSpec, root: AtifTrajectory, doc: AtifTrajectory = root): boolean {
  const a = annotationsOf(root);
  for (const [key, wanted] of spec.match) {
    if (!annotationValues(a, key).some((v) => wanted.has(v))) return false;
  }
  if (spec.minReward !== undefined && (a.reward === undefined || a.reward < spec.minReward)) return false;
  if (spec.agent !== undefined && !agentNamesOf(doc).includes(spec.agent)) return false;
  if (spec.since !== undefined) {
    const t = startedAtOf(doc) ?? startedAtOf(root);
    if (t === undefined || t < spec.since) return false;
  }
  return true;
}
