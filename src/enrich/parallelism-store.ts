// The `in_memory` backend of the tool_parallelism learner: per agent, per tool and per tool
// set counters, each level capped with least-recently-used eviction that is counted, so
// memory stays bounded whatever tool names and agent ids the hooks bring.

import { lruGet, lruInsert } from '../util/lru.ts';
import type { RunOverlap } from './run-overlap.ts';
import { coveredByOneGroup, type SetObservation } from './tool-sets.ts';

export interface StoreLimits {
  maxAgents: number;
  maxToolsPerAgent: number;
  /** Caps tool sets (the config calls them groups). */
  maxGroupsPerAgent: number;
}

/** How many runs showed something, and when first and last (epoch ms). */
export interface Sighting {
  runs: number;
  first?: number;
  last?: number;
}

export interface ToolStats extends Sighting {
  calls: number;
  parallelCalls: number;
  untimedCalls: number;
}

export interface SetStats {
  names: readonly string[];
  together: Sighting;
  sequence: Sighting;
}

export interface AgentState extends Sighting {
  agentId: string;
  untimedCalls: number;
  truncatedRuns: number;
  tools: Map<string, ToolStats>;
  sets: Map<string, SetStats>;
  /**
   * Sets of three or more tools, indexed by their first (smallest) name: a run can only
   * contain such a set if it contains that name, so checking a run costs one lookup per tool
   * name instead of a scan of every set.
   */
  largeSetsByFirstName: Map<string, Set<string>>;
  evictedTools: number;
  evictedSets: number;
}

export interface Evictions {
  agents: number;
  tools: number;
  sets: number;
}

function see(sighting: Sighting, time: number | undefined): void {
  sighting.runs++;
  if (time === undefined) return;
  // Runs can end out of order (grace windows, subagents): keep the true extremes.
  if (sighting.first === undefined || time < sighting.first) sighting.first = time;
  if (sighting.last === undefined || time > sighting.last) sighting.last = time;
}

function positiveCap(value: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

export class ParallelismStore {
  readonly limits: StoreLimits;
  readonly agents = new Map<string, AgentState>();
  readonly evictions: Evictions = { agents: 0, tools: 0, sets: 0 };
  runsLearned = 0;

  constructor(limits: StoreLimits) {
    this.limits = {
      maxAgents: positiveCap(limits.maxAgents),
      maxToolsPerAgent: positiveCap(limits.maxToolsPerAgent),
      maxGroupsPerAgent: positiveCap(limits.maxGroupsPerAgent),
    };
  }

  /** Reads an agent without refreshing its recency (status and export reads are not use). */
  peek(agentId: string): AgentState | undefined {
    return this.agents.get(agentId);
  }

  /** Learns from one run. Cost: O(tools + observations of the run), plus the large sets it may contain. */
  learn(agentId: string, overlap: RunOverlap, observations: readonly SetObservation[], time: number | undefined): void {
    const agent = this.agentFor(agentId);
    this.runsLearned++;
    see(agent, time);
    agent.untimedCalls += overlap.untimedCalls;
    if (overlap.truncated) agent.truncatedRuns++;

    for (const [name, tally] of overlap.tools) {
      let tool = lruGet(agent.tools, name);
      if (tool === undefined) {
        tool = { runs: 0, calls: 0, parallelCalls: 0, untimedCalls: 0 };
        if (lruInsert(agent.tools, name, tool, this.limits.maxToolsPerAgent) !== undefined) {
          agent.evictedTools++;
          this.evictions.tools++;
        }
      }
      see(tool, time);
      tool.calls += tally.calls;
      tool.parallelCalls += tally.parallelCalls;
      tool.untimedCalls += tally.untimedCalls;
    }

    let reported: Set<string> | undefined;
    for (const observation of observations) {
      this.record(agent, observation.key, observation.names, observation.together, time);
      if (observation.names.length >= 3) (reported ??= new Set()).add(observation.key);
    }
    if (agent.largeSetsByFirstName.size > 0 && overlap.timedNames.length >= 3) {
      this.checkKnownLargeSets(agent, overlap, reported, time);
    }
  }

  /** Larger sets learned in earlier runs that this run also ran, together or not. */
  private checkKnownLargeSets(agent: AgentState, overlap: RunOverlap, reported: Set<string> | undefined, time: number | undefined): void {
    // Collect first: recording can evict sets and so edit the index being walked.
    const candidates: string[] = [];
    for (const name of overlap.timedNames) {
      const keys = agent.largeSetsByFirstName.get(name);
      if (keys === undefined) continue;
      for (const key of keys) if (reported === undefined || !reported.has(key)) candidates.push(key);
    }
    if (candidates.length === 0) return;
    const present = new Set(overlap.timedNames);
    for (const key of candidates) {
      const set = agent.sets.get(key);
      if (set === undefined || !set.names.every((name) => present.has(name))) continue;
      this.record(agent, key, set.names, coveredByOneGroup(set.names, overlap.parallelSets), time);
    }
  }

  private record(agent: AgentState, key: string, names: readonly string[], together: boolean, time: number | undefined): void {
    let set = lruGet(agent.sets, key);
    if (set === undefined) {
      set = { names, together: { runs: 0 }, sequence: { runs: 0 } };
      const evicted = lruInsert(agent.sets, key, set, this.limits.maxGroupsPerAgent);
      if (evicted !== undefined) {
        agent.evictedSets++;
        this.evictions.sets++;
        if (evicted[1].names.length >= 3) unindex(agent, evicted[0], evicted[1].names);
      }
      if (names.length >= 3) index(agent, key, names);
    }
    see(together ? set.together : set.sequence, time);
  }

  private agentFor(agentId: string): AgentState {
    let agent = lruGet(this.agents, agentId);
    if (agent === undefined) {
      agent = {
        agentId,
        runs: 0,
        untimedCalls: 0,
        truncatedRuns: 0,
        tools: new Map(),
        sets: new Map(),
        largeSetsByFirstName: new Map(),
        evictedTools: 0,
        evictedSets: 0,
      };
      if (lruInsert(this.agents, agentId, agent, this.limits.maxAgents) !== undefined) this.evictions.agents++;
    }
    return agent;
  }
}

function index(agent: AgentState, key: string, names: readonly string[]): void {
  const first = names[0]!;
  let keys = agent.largeSetsByFirstName.get(first);
  if (keys === undefined) {
    keys = new Set();
    agent.largeSetsByFirstName.set(first, keys);
  }
  keys.add(key);
}

function unindex(agent: AgentState, key: string, names: readonly string[]): void {
  const first = names[0]!;
  const keys = agent.largeSetsByFirstName.get(first);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) agent.largeSetsByFirstName.delete(first);
}
