// What one run did with its tools, next to what the agent's learned plan says about those
// tools: as JSON (planForRun) and as flat attributes for the run span (the OTel exporters).
// Reads the store without refreshing recency: exporting is not use.

import type { ParallelismStore } from './parallelism-store.ts';
import { recommend } from './plan.ts';
import { MAX_SET_SIZE, type RunOverlap } from './run-overlap.ts';
import { setKey, type SetObservation } from './tool-sets.ts';

/** Longest list put in a run's JSON or on its span; the full picture is in the plan. */
export const MAX_RUN_LIST = 32;

export const RUN_ATTRIBUTE_PREFIX = 'nemo_relay.adaptive.tool_parallelism.';

export type RunAttributeValue = string | number | boolean | string[];

export interface RunPlanJson {
  agent_id: string;
  tool_calls: number;
  untimed_calls: number;
  groups: number;
  parallel_groups: number;
  largest_group: number;
  /** Tool sets that overlapped in this run (one per parallel group of 2+ distinct tools). */
  parallel_sets: string[];
  /** Tool pairs that both ran in this run without overlapping. */
  sequence_sets: string[];
  /** Runs the agent's plan has learned from, this one included once it was learned. */
  agent_runs: number;
  /** The learned recommendation for the sets this run touched, sorted; insufficient_data omitted. */
  recommendations: { parallel: string[]; sequential: string[]; mixed: string[] };
  /** True when a list was cut at MAX_RUN_LIST or the run hit the analysis limits. */
  truncated: boolean;
}

function push(list: string[], value: string): boolean {
  if (list.length >= MAX_RUN_LIST) return false;
  list.push(value);
  return true;
}

export function runPlanJson(
  agentId: string,
  overlap: RunOverlap,
  observations: readonly SetObservation[],
  store: ParallelismStore,
): RunPlanJson {
  let truncated = overlap.truncated;
  const parallelSets: string[] = [];
  const seen = new Set<string>();
  for (const group of overlap.parallelSets) {
    if (group.length > MAX_SET_SIZE) continue;
    const key = setKey(group);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!push(parallelSets, key)) truncated = true;
  }

  const sequenceSets: string[] = [];
  const recommendations: RunPlanJson['recommendations'] = { parallel: [], sequential: [], mixed: [] };
  const agent = store.peek(agentId);
  for (const observation of observations) {
    if (!observation.together && !push(sequenceSets, observation.key)) truncated = true;
    const set = agent?.sets.get(observation.key);
    if (set === undefined) continue;
    const recommendation = recommend(set);
    if (recommendation !== 'insufficient_data' && !push(recommendations[recommendation], observation.key)) truncated = true;
  }

  parallelSets.sort();
  sequenceSets.sort();
  recommendations.parallel.sort();
  recommendations.sequential.sort();
  recommendations.mixed.sort();
  return {
    agent_id: agentId,
    tool_calls: overlap.toolCalls,
    untimed_calls: overlap.untimedCalls,
    groups: overlap.groups,
    parallel_groups: overlap.parallelGroups,
    largest_group: overlap.largestGroup,
    parallel_sets: parallelSets,
    sequence_sets: sequenceSets,
    agent_runs: agent?.runs ?? 0,
    recommendations,
    truncated,
  };
}

/**
 * Flat span attributes. Counts are always present; string lists only when non-empty, since
 * several backends drop or mis-render empty array attributes.
 */
export function runAttributes(plan: RunPlanJson): Record<string, RunAttributeValue> {
  const p = RUN_ATTRIBUTE_PREFIX;
  const attributes: Record<string, RunAttributeValue> = {
    [`${p}agent_id`]: plan.agent_id,
    [`${p}tool_calls`]: plan.tool_calls,
    [`${p}untimed_calls`]: plan.untimed_calls,
    [`${p}groups`]: plan.groups,
    [`${p}parallel_groups`]: plan.parallel_groups,
    [`${p}largest_group`]: plan.largest_group,
    [`${p}agent_runs`]: plan.agent_runs,
    [`${p}truncated`]: plan.truncated,
  };
  const lists: [string, string[]][] = [
    ['parallel_sets', plan.parallel_sets],
    ['sequence_sets', plan.sequence_sets],
    ['recommended.parallel', plan.recommendations.parallel],
    ['recommended.sequential', plan.recommendations.sequential],
    ['recommended.mixed', plan.recommendations.mixed],
  ];
  for (const [name, list] of lists) if (list.length > 0) attributes[p + name] = list;
  return attributes;
}
