import { describe, expect, it } from 'vitest';
import { createAdaptiveSink } from '../../../src/enrich/index.ts';
import { ParallelismStore } from '../../../src/enrich/parallelism-store.ts';
import { analyzeRunOverlap, MAX_PAIR_NAMES_PER_RUN } from '../../../src/enrich/run-overlap.ts';
import { observeToolSets } from '../../../src/enrich/tool-sets.ts';
import { adaptiveConfig, run, session, T0, tool } from './builders.ts';

function pairRun(a: string, b: string, at: number) {
  return run([[tool(a, at, at + 10), tool(b, at + 1, at + 9)]], { endTime: at + 10 });
}

describe('in_memory backend caps', () => {
  it('holds the tool and set caps under 5,000 distinct tool names, counting every eviction', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ maxToolsPerAgent: 64, maxGroupsPerAgent: 32 }));
    for (let i = 0; i < 2500; i++) sink.runEnded(session('main'), pairRun(`t${2 * i}`, `t${2 * i + 1}`, T0 + i));
    const plan = sink.plan();
    const agent = plan.agents['main']!;
    expect(Object.keys(agent.tools)).toHaveLength(64);
    expect(Object.keys(agent.sets)).toHaveLength(32);
    expect(agent.evictions).toEqual({ tools: 5000 - 64, sets: 2500 - 32 });
    expect(plan.evictions).toEqual({ agents: 0, tools: 5000 - 64, sets: 2500 - 32 });
    // The survivors are the most recent ones.
    expect(agent.tools['t4999']).toBeDefined();
    expect(agent.tools['t0']).toBeUndefined();
    expect(sink.health().details).toMatchObject({ agentsTracked: 1, evictions: { tools: 4936, sets: 2468 } });
  });

  it('holds the agent cap under 1,000 agents and evicts the least recently used', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ maxAgents: 100 }));
    for (let i = 0; i < 1000; i++) {
      sink.runEnded(session(`agent-${i}`), pairRun('read', 'grep', T0 + i));
      // agent-0 keeps working, so it stays while idle agents are evicted.
      if (i % 50 === 0) sink.runEnded(session('agent-0'), pairRun('read', 'grep', T0 + i));
    }
    const plan = sink.plan();
    expect(Object.keys(plan.agents)).toHaveLength(100);
    expect(plan.agents['agent-0']).toBeDefined();
    expect(plan.agents['agent-999']).toBeDefined();
    expect(plan.agents['agent-1']).toBeUndefined();
    expect(plan.evictions.agents).toBe(1000 - 100);
    expect(sink.health().details).toMatchObject({ agentsTracked: 100, evictions: { agents: 900 } });
  });

  it('stays bounded for a stream of 5,000 fresh tool names spread over 1,000 agents', () => {
    const limits = { maxAgents: 200, maxToolsPerAgent: 3, maxGroupsPerAgent: 2 };
    const sink = createAdaptiveSink(adaptiveConfig(limits));
    for (let i = 0; i < 5000; i++) sink.runEnded(session(`agent-${i % 1000}`), pairRun(`tool-${i}`, 'read', T0 + i));
    const plan = sink.plan();
    const agents = Object.values(plan.agents);
    expect(agents).toHaveLength(200);
    for (const agent of agents) {
      expect(Object.keys(agent.tools).length).toBeLessThanOrEqual(limits.maxToolsPerAgent);
      expect(Object.keys(agent.sets).length).toBeLessThanOrEqual(limits.maxGroupsPerAgent);
    }
    expect(plan.runs_learned).toBe(5000);
    expect(plan.evictions.agents).toBe(4800);
  });

  it('learns a single run of 5,000 distinct tools within the caps, flagged truncated', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ maxToolsPerAgent: 512, maxGroupsPerAgent: 1024 }));
    // All at once: one parallel group of 5,000 tools.
    const tools = Array.from({ length: 5000 }, (_, i) => tool(`x${i}`, T0 + i, T0 + 10_000));
    const started = performance.now();
    sink.runEnded(session('main'), run([tools]));
    const elapsed = performance.now() - started;
    const agent = sink.plan().agents['main']!;
    expect(Object.keys(agent.tools)).toHaveLength(512);
    expect(Object.keys(agent.sets)).toHaveLength((MAX_PAIR_NAMES_PER_RUN * (MAX_PAIR_NAMES_PER_RUN - 1)) / 2);
    expect(agent.truncated_runs).toBe(1);
    // Generous bound: this is about not going quadratic in 5,000, not about the machine.
    expect(elapsed).toBeLessThan(2000);
  });

  it('keeps the index of large sets in step with set evictions', () => {
    const store = new ParallelismStore({ maxAgents: 1, maxToolsPerAgent: 1000, maxGroupsPerAgent: 5 });
    for (let i = 0; i < 200; i++) {
      const names = [`a${i}`, `b${i}`, `c${i}`];
      const overlap = analyzeRunOverlap(run([names.map((n) => tool(n, T0, T0 + 10))]));
      store.learn('main', overlap, observeToolSets(overlap), T0);
    }
    const agent = store.peek('main')!;
    expect(agent.sets.size).toBe(5);
    const indexed = [...agent.largeSetsByFirstName.values()].reduce((n, keys) => n + keys.size, 0);
    const large = [...agent.sets.values()].filter((s) => s.names.length >= 3).length;
    expect(indexed).toBe(large);
  });

  it('treats caps below 1 as 1', () => {
    const store = new ParallelismStore({ maxAgents: 0, maxToolsPerAgent: -3, maxGroupsPerAgent: Number.NaN });
    expect(store.limits).toEqual({ maxAgents: 1, maxToolsPerAgent: 1, maxGroupsPerAgent: 1 });
  });
});
