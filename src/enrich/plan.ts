// The learned plan as JSON: what nemoRelay.status shows and what ATIF files carry in their
// root `extra`. Snake_case like the ATIF document it lands in; every key is always present
// (null for a time never seen) so consumers can rely on one shape. Maps are emitted with
// sorted keys so the same state always serializes to the same text.

import type { AgentState, ParallelismStore, SetStats, Sighting } from './parallelism-store.ts';

export const PLAN_VERSION = 1;
/** Runs a set needs before the learner calls it a habit rather than a one-off. */
export const MIN_RUNS_FOR_RECOMMENDATION = 2;

export type Recommendation = 'parallel' | 'sequential' | 'mixed' | 'insufficient_data';

export interface SightingJson {
  runs: number;
  first_seen: string | null;
  last_seen: string | null;
}

export interface ToolPlanJson extends SightingJson {
  calls: number;
  parallel_calls: number;
  untimed_calls: number;
}

export interface ToolSetPlanJson {
  tools: string[];
  together: SightingJson;
  sequence: SightingJson;
  recommendation: Recommendation;
}

export interface AgentPlanJson extends SightingJson {
  agent_id: string;
  untimed_calls: number;
  truncated_runs: number;
  evictions: { tools: number; sets: number };
  /** Set keys by recommendation, sorted; `insufficient_data` ones are only in `sets`. */
  recommendations: { parallel: string[]; sequential: string[]; mixed: string[] };
  tools: Record<string, ToolPlanJson>;
  sets: Record<string, ToolSetPlanJson>;
}

export interface AdaptivePlanJson {
  learner: 'tool_parallelism';
  version: number;
  backend: 'in_memory';
  /** False when the component is disabled or `tool_parallelism` is not among its learners. */
  enabled: boolean;
  runs_learned: number;
  limits: { max_agents: number; max_tools_per_agent: number; max_groups_per_agent: number; min_runs: number };
  evictions: { agents: number; tools: number; sets: number };
  agents: Record<string, AgentPlanJson>;
}

export function recommend(set: Pick<SetStats, 'together' | 'sequence'>): Recommendation {
  const together = set.together.runs;
  const sequence = set.sequence.runs;
  if (together > 0 && sequence > 0) return 'mixed';
  if (together >= MIN_RUNS_FOR_RECOMMENDATION) return 'parallel';
  if (sequence >= MIN_RUNS_FOR_RECOMMENDATION) return 'sequential';
  return 'insufficient_data';
}

export function isoTime(ms: number | undefined): string | null {
  // Date throws beyond +-8.64e15 ms; a bad stamp must not break status.
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return null;
  return new Date(ms).toISOString();
}

function sightingJson(s: Sighting): SightingJson {
  return { runs: s.runs, first_seen: isoTime(s.first), last_seen: isoTime(s.last) };
}

/** Tool names and agent ids are untrusted: a `__proto__` key must stay a plain entry. */
function dict<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}

export function agentPlanJson(agent: AgentState): AgentPlanJson {
  const tools = dict<ToolPlanJson>();
  for (const name of sortedKeys(agent.tools)) {
    const t = agent.tools.get(name)!;
    tools[name] = {
      ...sightingJson(t),
      calls: t.calls,
      parallel_calls: t.parallelCalls,
      untimed_calls: t.untimedCalls,
    };
  }
  const sets = dict<ToolSetPlanJson>();
  const recommendations: AgentPlanJson['recommendations'] = { parallel: [], sequential: [], mixed: [] };
  for (const key of sortedKeys(agent.sets)) {
    const s = agent.sets.get(key)!;
    const recommendation = recommend(s);
    if (recommendation !== 'insufficient_data') recommendations[recommendation].push(key);
    sets[key] = {
      tools: [...s.names],
      together: sightingJson(s.together),
      sequence: sightingJson(s.sequence),
      recommendation,
    };
  }
  return {
    agent_id: agent.agentId,
    ...sightingJson(agent),
    untimed_calls: agent.untimedCalls,
    truncated_runs: agent.truncatedRuns,
    evictions: { tools: agent.evictedTools, sets: agent.evictedSets },
    recommendations,
    tools,
    sets,
  };
}

export function adaptivePlanJson(store: ParallelismStore, enabled: boolean, agentId?: string): AdaptivePlanJson {
  const agents = dict<AgentPlanJson>();
  const ids = agentId === undefined ? sortedKeys(store.agents) : [agentId];
  for (const id of ids) {
    const agent = store.peek(id);
    if (agent !== undefined) agents[id] = agentPlanJson(agent);
  }
  return {
    learner: 'tool_parallelism',
    version: PLAN_VERSION,
    backend: 'in_memory',
    enabled,
    runs_learned: store.runsLearned,
    limits: {
      max_agents: store.limits.maxAgents,
      max_tools_per_agent: store.limits.maxToolsPerAgent,
      max_groups_per_agent: store.limits.maxGroupsPerAgent,
      min_runs: MIN_RUNS_FOR_RECOMMENDATION,
    },
    evictions: { ...store.evictions },
    agents,
  };
}
