import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_BACKEND_KINDS,
  ADAPTIVE_LEARNERS,
  createAdaptiveSink,
  isAdaptiveBackendKind,
  isAdaptiveLearner,
} from '../../../src/enrich/index.ts';
import type { Run } from '../../../src/trace/model.ts';
import { adaptiveConfig, run, session, T0, tool } from './builders.ts';

const clock = () => T0 + 999_000;

function parallelRun(at: number) {
  return run([[tool('read', at, at + 100), tool('probe_echo', at + 10, at + 60)]], { endTime: at + 200 });
}

describe('adaptive sink', () => {
  it('exports the supported backend kinds and learner names for the config loader', () => {
    expect(ADAPTIVE_BACKEND_KINDS).toEqual(['in_memory']);
    expect(ADAPTIVE_LEARNERS).toEqual(['tool_parallelism']);
    expect(isAdaptiveBackendKind('in_memory')).toBe(true);
    expect(isAdaptiveBackendKind('redis')).toBe(false);
    expect(isAdaptiveLearner('tool_parallelism')).toBe(true);
    expect(isAdaptiveLearner('kv_cache')).toBe(false);
  });

  it('produces a plan of a stable JSON shape', () => {
    const sink = createAdaptiveSink(adaptiveConfig(), { now: clock });
    sink.runEnded(session('main'), parallelRun(T0));
    sink.runEnded(session('main'), run([[tool('read', T0 + 1000, T0 + 1100)], [tool('probe_echo')]], { endTime: T0 + 1200 }));
    const plan = JSON.parse(JSON.stringify(sink.plan()));
    expect(plan).toEqual({
      learner: 'tool_parallelism',
      version: 1,
      backend: 'in_memory',
      enabled: true,
      runs_learned: 2,
      limits: { max_agents: 256, max_tools_per_agent: 512, max_groups_per_agent: 1024, min_runs: 2 },
      evictions: { agents: 0, tools: 0, sets: 0 },
      agents: {
        main: {
          agent_id: 'main',
          runs: 2,
          first_seen: '2026-01-01T00:00:00.200Z',
          last_seen: '2026-01-01T00:00:01.200Z',
          untimed_calls: 1,
          truncated_runs: 0,
          evictions: { tools: 0, sets: 0 },
          recommendations: { parallel: [], sequential: [], mixed: [] },
          tools: {
            probe_echo: {
              runs: 2,
              first_seen: '2026-01-01T00:00:00.200Z',
              last_seen: '2026-01-01T00:00:01.200Z',
              calls: 2,
              parallel_calls: 1,
              untimed_calls: 1,
            },
            read: {
              runs: 2,
              first_seen: '2026-01-01T00:00:00.200Z',
              last_seen: '2026-01-01T00:00:01.200Z',
              calls: 2,
              parallel_calls: 1,
              untimed_calls: 0,
            },
          },
          sets: {
            'probe_echo+read': {
              tools: ['probe_echo', 'read'],
              together: { runs: 1, first_seen: '2026-01-01T00:00:00.200Z', last_seen: '2026-01-01T00:00:00.200Z' },
              sequence: { runs: 0, first_seen: null, last_seen: null },
              recommendation: 'insufficient_data',
            },
          },
        },
      },
    });
  });

  it('gives flat run-span attributes: the run itself and the learned plan for its tools', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), parallelRun(T0));
    const r = run([[tool('read', T0 + 1000, T0 + 1100), tool('probe_echo', T0 + 1010, T0 + 1060)], [tool('write', T0 + 1200, T0 + 1300), tool('exec')]]);
    sink.runEnded(session('main'), r);
    const p = 'nemo_relay.adaptive.tool_parallelism.';
    expect(sink.attributesForRun(r, 'main')).toEqual({
      [`${p}agent_id`]: 'main',
      [`${p}tool_calls`]: 4,
      [`${p}untimed_calls`]: 1,
      [`${p}groups`]: 2,
      [`${p}parallel_groups`]: 1,
      [`${p}largest_group`]: 2,
      [`${p}agent_runs`]: 2,
      [`${p}truncated`]: false,
      [`${p}parallel_sets`]: ['probe_echo+read'],
      [`${p}sequence_sets`]: ['probe_echo+write', 'read+write'],
      [`${p}recommended.parallel`]: ['probe_echo+read'],
    });
    expect(sink.planForRun(r, 'main')).toMatchObject({ recommendations: { parallel: ['probe_echo+read'], sequential: [], mixed: [] } });
  });

  it('describes a run that has no tools and an agent it has never seen without learning', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ agentId: 'openclaw' }));
    const empty = run([]);
    expect(sink.planForRun(empty)).toEqual({
      agent_id: 'openclaw',
      tool_calls: 0,
      untimed_calls: 0,
      groups: 0,
      parallel_groups: 0,
      largest_group: 0,
      parallel_sets: [],
      sequence_sets: [],
      agent_runs: 0,
      recommendations: { parallel: [], sequential: [], mixed: [] },
      truncated: false,
    });
    expect(sink.plan().runs_learned).toBe(0);
  });

  it('gives the session agent plan for the ATIF root extra', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ agentId: 'openclaw' }));
    const s = session(undefined);
    expect(sink.atifExtraForSession(s)).toBeUndefined();
    sink.runEnded(s, parallelRun(T0));
    const extra = sink.atifExtraForSession(s);
    expect(extra?.adaptive.version).toBe(1);
    expect(extra?.adaptive.tool_parallelism).toEqual(sink.plan().agents['openclaw']);
    expect(sink.agentIdOf(s)).toBe('openclaw');
  });

  it('reports health in messages: runs learned, agents tracked, evictions', async () => {
    const sink = createAdaptiveSink(adaptiveConfig({ maxAgents: 1 }), { now: clock });
    sink.runEnded(session('a'), parallelRun(T0));
    sink.runEnded(session('b'), parallelRun(T0));
    sink.sessionEnded(session('b'));
    await sink.flush();
    expect(sink.health()).toEqual({
      name: 'adaptive',
      enabled: true,
      state: 'ok',
      exported: 2,
      unit: 'messages',
      failures: 0,
      dropped: 0,
      queueDepth: 0,
      lastSuccessTime: new Date(clock()).toISOString(),
      details: {
        backend: 'in_memory',
        learners: ['tool_parallelism'],
        learning: true,
        agentsTracked: 1,
        evictions: { agents: 1, tools: 0, sets: 0 },
        limits: { maxAgents: 1, maxToolsPerAgent: 512, maxGroupsPerAgent: 1024 },
      },
    });
    await sink.shutdown();
    sink.runEnded(session('a'), parallelRun(T0));
    expect(sink.health()).toMatchObject({ state: 'stopped', dropped: 1, exported: 2 });
  });

  it('survives a malformed run: counted as a failure, state degraded until the next success', () => {
    const sink = createAdaptiveSink(adaptiveConfig(), { now: clock });
    const broken = { ...run([]), llmCalls: null } as unknown as Run;
    expect(() => sink.runEnded(session('main'), broken)).not.toThrow();
    expect(sink.health()).toMatchObject({ state: 'degraded', failures: 1, exported: 0 });
    expect(sink.health().lastError?.message).toBeTruthy();
    let t = clock();
    const later = createAdaptiveSink(adaptiveConfig(), { now: () => t++ });
    later.runEnded(session('main'), broken);
    later.runEnded(session('main'), parallelRun(T0));
    expect(later.health()).toMatchObject({ state: 'ok', failures: 1, exported: 1 });
  });

  it('learns nothing when disabled or when tool_parallelism is not among the learners', () => {
    const disabled = createAdaptiveSink(adaptiveConfig({ enabled: false }));
    disabled.runEnded(session('main'), parallelRun(T0));
    expect(disabled.health()).toMatchObject({ enabled: false, state: 'disabled', exported: 0 });
    expect(disabled.plan()).toMatchObject({ enabled: false, runs_learned: 0, agents: {} });

    const noLearner = createAdaptiveSink(adaptiveConfig({ learners: [] }));
    noLearner.runEnded(session('main'), parallelRun(T0));
    expect(noLearner.plan()).toMatchObject({ enabled: false, runs_learned: 0 });
    expect(noLearner.health()).toMatchObject({ state: 'ok', details: { learning: false } });
  });
});
