import { describe, expect, it } from 'vitest';
import { createAdaptiveSink } from '../../../src/enrich/index.ts';
import { adaptiveConfig, run, session, T0, tool } from './builders.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A run at `at` whose two tools overlap. */
function parallelRun(at: number, a = 'read', b = 'probe_echo') {
  return run([[tool(a, at, at + 100), tool(b, at + 10, at + 60)]], { endTime: at + 200 });
}

/** A run at `at` whose two tools run one after the other (two LLM calls). */
function sequentialRun(at: number, a = 'read', b = 'probe_echo') {
  return run([[tool(a, at, at + 50)], [tool(b, at + 100, at + 150)]], { endTime: at + 200 });
}

describe('tool_parallelism learner', () => {
  it('one parallel run is a one-off: counted together, not yet a recommendation', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), parallelRun(T0));
    const set = sink.plan().agents['main']?.sets['probe_echo+read'];
    expect(set).toEqual({
      tools: ['probe_echo', 'read'],
      together: { runs: 1, first_seen: iso(T0 + 200), last_seen: iso(T0 + 200) },
      sequence: { runs: 0, first_seen: null, last_seen: null },
      recommendation: 'insufficient_data',
    });
  });

  it('a parallel batch repeated across runs is recommended parallel', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    for (let i = 0; i < 3; i++) sink.runEnded(session('main'), parallelRun(T0 + i * 1000));
    const agent = sink.plan('main').agents['main']!;
    expect(agent.sets['probe_echo+read']).toMatchObject({
      together: { runs: 3, first_seen: iso(T0 + 200), last_seen: iso(T0 + 2200) },
      sequence: { runs: 0 },
      recommendation: 'parallel',
    });
    expect(agent.recommendations).toEqual({ parallel: ['probe_echo+read'], sequential: [], mixed: [] });
    expect(agent.tools['read']).toEqual({
      runs: 3,
      calls: 3,
      parallel_calls: 3,
      untimed_calls: 0,
      first_seen: iso(T0 + 200),
      last_seen: iso(T0 + 2200),
    });
  });

  it('two tools always in sequence across runs are recommended sequential', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), sequentialRun(T0));
    sink.runEnded(session('main'), sequentialRun(T0 + 1000));
    expect(sink.plan().agents['main']?.sets['probe_echo+read']).toMatchObject({
      together: { runs: 0 },
      sequence: { runs: 2 },
      recommendation: 'sequential',
    });
  });

  it('the same pair sometimes together, sometimes not, is mixed', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), parallelRun(T0));
    sink.runEnded(session('main'), parallelRun(T0 + 1000));
    sink.runEnded(session('main'), sequentialRun(T0 + 2000));
    const agent = sink.plan().agents['main']!;
    expect(agent.sets['probe_echo+read']).toMatchObject({ together: { runs: 2 }, sequence: { runs: 1 }, recommendation: 'mixed' });
    expect(agent.recommendations.mixed).toEqual(['probe_echo+read']);
  });

  it('keeps first and last seen as true extremes when runs arrive out of order', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), parallelRun(T0 + 5000));
    sink.runEnded(session('main'), parallelRun(T0));
    sink.runEnded(session('main'), parallelRun(T0 + 2000));
    expect(sink.plan().agents['main']?.sets['probe_echo+read']?.together).toEqual({
      runs: 3,
      first_seen: iso(T0 + 200),
      last_seen: iso(T0 + 5200),
    });
  });

  it('learns a batch of three as its own set and notices when it later runs in sequence', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    const batch = (at: number) => run([[tool('a', at, at + 100), tool('b', at + 1, at + 90), tool('c', at + 2, at + 80)]], { endTime: at + 100 });
    sink.runEnded(session('main'), batch(T0));
    sink.runEnded(session('main'), batch(T0 + 1000));
    expect(sink.plan().agents['main']?.sets['a+b+c']?.recommendation).toBe('parallel');
    // Now all three run, a and b together, c afterwards: the batch was not run as one.
    sink.runEnded(session('main'), run([[tool('a', T0 + 2000, T0 + 2100), tool('b', T0 + 2001, T0 + 2090)], [tool('c', T0 + 2200, T0 + 2300)]]));
    const sets = sink.plan().agents['main']!.sets;
    expect(sets['a+b+c']).toMatchObject({ together: { runs: 2 }, sequence: { runs: 1 }, recommendation: 'mixed' });
    expect(sets['a+b']?.recommendation).toBe('parallel');
    expect(sets['a+c']?.recommendation).toBe('mixed');
    // A later run that holds the batch inside a bigger group counts it as together.
    sink.runEnded(
      session('main'),
      run([[tool('a', T0 + 3000, T0 + 3100), tool('b', T0 + 3001, T0 + 3090), tool('c', T0 + 3002, T0 + 3080), tool('d', T0 + 3003, T0 + 3004)]]),
    );
    expect(sink.plan().agents['main']!.sets['a+b+c']?.together.runs).toBe(3);
  });

  it('counts untimed tools per tool and per agent and leaves them out of every set', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), run([[tool('read', T0, T0 + 10), tool('write', T0 + 5)]]));
    const agent = sink.plan().agents['main']!;
    expect(agent.untimed_calls).toBe(1);
    expect(agent.tools['write']).toMatchObject({ runs: 1, calls: 1, untimed_calls: 1, parallel_calls: 0 });
    expect(agent.sets).toEqual({});
  });

  it('learns per agent, with the configured agent_id for sessions that name none', () => {
    const sink = createAdaptiveSink(adaptiveConfig({ agentId: 'openclaw' }));
    sink.runEnded(session(undefined), parallelRun(T0));
    sink.runEnded(session(''), parallelRun(T0 + 1000));
    sink.runEnded(session('helper'), sequentialRun(T0));
    const plan = sink.plan();
    expect(Object.keys(plan.agents)).toEqual(['helper', 'openclaw']);
    expect(plan.agents['openclaw']?.sets['probe_echo+read']?.recommendation).toBe('parallel');
    expect(plan.agents['helper']?.sets['probe_echo+read']?.sequence.runs).toBe(1);
    expect(Object.keys(sink.plan('helper').agents)).toEqual(['helper']);
    expect(sink.plan('nobody').agents).toEqual({});
  });

  it('learns a run handed over twice only once', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    const r = parallelRun(T0);
    sink.runEnded(session('main'), r);
    sink.runEnded(session('main'), r);
    expect(sink.plan().runs_learned).toBe(1);
    expect(sink.plan().agents['main']?.runs).toBe(1);
  });

  it('treats hostile tool names as plain keys', () => {
    const sink = createAdaptiveSink(adaptiveConfig());
    sink.runEnded(session('main'), parallelRun(T0, '__proto__', 'constructor'));
    const agent = sink.plan().agents['main']!;
    expect(Object.keys(agent.tools)).toEqual(['__proto__', 'constructor']);
    expect(JSON.parse(JSON.stringify(agent)).sets['__proto__+constructor'].together.runs).toBe(1);
  });
});
