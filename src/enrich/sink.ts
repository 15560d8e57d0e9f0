// The adaptive component as a TraceSink. Observation only: it reads finished runs and
// never touches a request or a tool call. The fan-out calls it first (src/enrich/stage.ts),
// on the lane; it learns synchronously in O(tools in the run) (no queue, nothing to flush)
// and never throws.

import type { AdaptiveConfig } from '../config/types.ts';
import type { Run, Session } from '../trace/model.ts';
import type { SinkHealth, TraceSink } from '../fanout/sink.ts';
import { ParallelismStore } from './parallelism-store.ts';
import { adaptivePlanJson, agentPlanJson, isoTime, PLAN_VERSION, type AdaptivePlanJson, type AgentPlanJson } from './plan.ts';
import { analyzeRunOverlap, type RunOverlap } from './run-overlap.ts';
import { runAttributes, runPlanJson, type RunAttributeValue, type RunPlanJson } from './run-plan.ts';
import { observeToolSets, type SetObservation } from './tool-sets.ts';

export const ADAPTIVE_SINK_NAME = 'adaptive';

export interface AdaptiveSinkOptions {
  /** Injected clock (epoch ms) for runs that carry no time of their own, and for health. */
  now?: () => number;
}

/** What the ATIF writer merges into the root `extra` of a session's trajectory. */
export interface AdaptiveAtifExtra {
  adaptive: { version: number; tool_parallelism: AgentPlanJson };
}

export interface AdaptiveSink extends TraceSink {
  /** The learned plan for every agent, or only for `agentId` (then `agents` has at most that one). */
  plan(agentId?: string): AdaptivePlanJson;
  /** The run's own tool overlap next to the agent's learned recommendations. Does not learn. */
  planForRun(run: Run, agentId?: string): RunPlanJson;
  /** planForRun flattened into span attributes for the run span. */
  attributesForRun(run: Run, agentId?: string): Record<string, RunAttributeValue>;
  /** The session's agent plan for the ATIF root `extra`; undefined when nothing was learned for it. */
  atifExtraForSession(session: Session): AdaptiveAtifExtra | undefined;
  /** The agent a session's runs are learned under: its agentId, else the configured agent_id. */
  agentIdOf(session: Pick<Session, 'agentId'>): string;
}

interface Learned {
  overlap: RunOverlap;
  observations: SetObservation[];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createAdaptiveSink(config: AdaptiveConfig, options: AdaptiveSinkOptions = {}): AdaptiveSink {
  const now = options.now ?? Date.now;
  const learning = config.enabled && config.learners.includes('tool_parallelism');
  const store = new ParallelismStore({
    maxAgents: config.maxAgents,
    maxToolsPerAgent: config.maxToolsPerAgent,
    maxGroupsPerAgent: config.maxGroupsPerAgent,
  });
  // Keyed by the run object: a run handed over twice is learned once, planForRun reuses the
  // analysis, and the entry goes away with the run when the engine drops it.
  const learned = new WeakMap<Run, Learned>();
  let stopped = false;
  let failures = 0;
  let dropped = 0;
  let lastSuccess: number | undefined;
  let lastError: { time: number; message: string } | undefined;

  function agentIdOf(session: Pick<Session, 'agentId'>): string {
    const id = session.agentId;
    return typeof id === 'string' && id !== '' ? id : config.agentId;
  }

  function analysis(run: Run): Learned {
    const cached = learned.get(run);
    if (cached !== undefined) return cached;
    const overlap = analyzeRunOverlap(run);
    return { overlap, observations: observeToolSets(overlap) };
  }

  function runTime(run: Run): number {
    if (typeof run.endTime === 'number' && Number.isFinite(run.endTime)) return run.endTime;
    if (typeof run.startTime === 'number' && Number.isFinite(run.startTime)) return run.startTime;
    return now();
  }

  function planForRun(run: Run, agentId?: string): RunPlanJson {
    const { overlap, observations } = analysis(run);
    return runPlanJson(agentId !== undefined && agentId !== '' ? agentId : config.agentId, overlap, observations, store);
  }

  return {
    name: ADAPTIVE_SINK_NAME,

    runEnded(session: Session, run: Run): void {
      if (!learning) return;
      if (stopped) {
        dropped++;
        return;
      }
      if (learned.has(run)) return;
      try {
        const result = analysis(run);
        store.learn(agentIdOf(session), result.overlap, result.observations, runTime(run));
        learned.set(run, result);
        lastSuccess = now();
      } catch (error) {
        // A malformed run must cost one learning step, never the hook handler.
        failures++;
        lastError = { time: now(), message: errorMessage(error) };
      }
    },

    // Everything is learned per run; a closing session adds nothing.
    sessionEnded(): void {},

    async flush(): Promise<void> {},

    async shutdown(): Promise<void> {
      stopped = true;
    },

    health(): SinkHealth {
      let state: SinkHealth['state'] = 'ok';
      if (!config.enabled) state = 'disabled';
      else if (stopped) state = 'stopped';
      else if (lastError !== undefined && (lastSuccess === undefined || lastError.time > lastSuccess)) state = 'degraded';
      const health: SinkHealth = {
        name: ADAPTIVE_SINK_NAME,
        enabled: config.enabled,
        state,
        exported: store.runsLearned,
        unit: 'messages',
        failures,
        dropped,
        queueDepth: 0,
        details: {
          backend: config.backend,
          learners: [...config.learners],
          learning,
          agentsTracked: store.agents.size,
          evictions: { ...store.evictions },
          limits: { ...store.limits },
        },
      };
      const successTime = isoTime(lastSuccess);
      if (successTime !== null) health.lastSuccessTime = successTime;
      if (lastError !== undefined) health.lastError = { time: isoTime(lastError.time) ?? '', message: lastError.message };
      return health;
    },

    plan(agentId?: string): AdaptivePlanJson {
      return adaptivePlanJson(store, learning, agentId);
    },

    planForRun,

    attributesForRun(run: Run, agentId?: string): Record<string, RunAttributeValue> {
      return runAttributes(planForRun(run, agentId));
    },

    atifExtraForSession(session: Session): AdaptiveAtifExtra | undefined {
      const agent = store.peek(agentIdOf(session));
      if (!learning || agent === undefined) return undefined;
      return { adaptive: { version: PLAN_VERSION, tool_parallelism: agentPlanJson(agent) } };
    },

    agentIdOf,
  };
}
