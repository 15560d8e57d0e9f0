import { describe, expect, it } from 'vitest';
import { analyzeRunOverlap, MAX_PAIR_NAMES_PER_RUN } from '../../../src/enrich/run-overlap.ts';
import { coveredByOneGroup, observeToolSets } from '../../../src/enrich/tool-sets.ts';
import { run, T0, tool } from './builders.ts';

describe('analyzeRunOverlap', () => {
  it('puts two overlapping tools in one parallel group', () => {
    const a = analyzeRunOverlap(run([[tool('read', T0, T0 + 100), tool('probe_echo', T0 + 10, T0 + 50)]]));
    expect(a).toMatchObject({ toolCalls: 2, untimedCalls: 0, groups: 1, parallelGroups: 1, largestGroup: 2 });
    expect(a.parallelSets).toEqual([['probe_echo', 'read']]);
    expect(a.tools.get('read')).toEqual({ calls: 1, untimedCalls: 0, parallelCalls: 1 });
  });

  it('keeps tools that touch end to start apart (one after the other)', () => {
    const a = analyzeRunOverlap(run([[tool('read', T0, T0 + 100), tool('write', T0 + 100, T0 + 200)]]));
    expect(a).toMatchObject({ groups: 2, parallelGroups: 0, largestGroup: 1, parallelSets: [] });
    expect(a.timedNames).toEqual(['read', 'write']);
  });

  it('joins a chain of overlaps into one connected group, even when its ends never meet', () => {
    // a overlaps b, b overlaps c, a and c do not overlap: one component.
    const a = analyzeRunOverlap(
      run([[tool('c', T0 + 150, T0 + 300), tool('a', T0, T0 + 100), tool('b', T0 + 90, T0 + 160), tool('d', T0 + 300, T0 + 310)]]),
    );
    expect(a.groups).toBe(2);
    expect(a.parallelSets).toEqual([['a', 'b', 'c']]);
    expect(a.largestGroup).toBe(3);
  });

  it('agrees with the pairwise rule for zero-length calls sharing a start', () => {
    // [5,5] and [5,10] do not overlap (5 < 5 is false); both orders of input give the same answer.
    for (const batch of [
      [tool('x', T0 + 5, T0 + 5), tool('y', T0 + 5, T0 + 10)],
      [tool('y', T0 + 5, T0 + 10), tool('x', T0 + 5, T0 + 5)],
    ]) {
      expect(analyzeRunOverlap(run([batch])).parallelGroups).toBe(0);
    }
    // A zero-length call inside a longer one does overlap it.
    expect(analyzeRunOverlap(run([[tool('y', T0, T0 + 10), tool('x', T0 + 5, T0 + 5)]])).parallelSets).toEqual([['x', 'y']]);
  });

  it('counts calls without a start, without an end or with end before start as untimed, never overlapping', () => {
    const a = analyzeRunOverlap(
      run([[tool('read', T0, T0 + 100), tool('write'), tool('write', T0 + 10), tool('exec', undefined, T0 + 20), tool('exec', T0 + 50, T0 + 10)]]),
    );
    expect(a).toMatchObject({ toolCalls: 5, untimedCalls: 4, groups: 1, parallelGroups: 0 });
    expect(a.tools.get('write')).toEqual({ calls: 2, untimedCalls: 2, parallelCalls: 0 });
    expect(a.timedNames).toEqual(['read']);
  });

  it('reads tools of every LLM call and the orphan tools', () => {
    const a = analyzeRunOverlap(run([[tool('read', T0, T0 + 10)], [tool('edit', T0 + 20, T0 + 30)]], { orphans: [tool('exec', T0 + 25, T0 + 40)] }));
    expect(a.toolCalls).toBe(3);
    expect(a.parallelSets).toEqual([['edit', 'exec']]);
  });

  it('counts the same tool run twice at once as parallel calls, not as a set', () => {
    const a = analyzeRunOverlap(run([[tool('read', T0, T0 + 10), tool('read', T0 + 1, T0 + 9)]]));
    expect(a.parallelGroups).toBe(1);
    expect(a.parallelSets).toEqual([]);
    expect(a.tools.get('read')?.parallelCalls).toBe(2);
  });
});

describe('observeToolSets', () => {
  it('reports every pair of the run, together only when they shared a group, and batches of three', () => {
    const overlap = analyzeRunOverlap(
      run([[tool('a', T0, T0 + 100), tool('b', T0 + 10, T0 + 90), tool('c', T0 + 20, T0 + 80)], [tool('d', T0 + 200, T0 + 210)]]),
    );
    const byKey = Object.fromEntries(observeToolSets(overlap).map((o) => [o.key, o.together]));
    expect(byKey).toEqual({ 'a+b': true, 'a+c': true, 'b+c': true, 'a+d': false, 'b+d': false, 'c+d': false, 'a+b+c': true });
  });

  it('bounds pair observations for a run with very many distinct tools', () => {
    const tools = Array.from({ length: 200 }, (_, i) => tool(`t${i}`, T0 + i * 10, T0 + i * 10 + 5));
    const overlap = analyzeRunOverlap(run([tools]));
    expect(overlap.truncated).toBe(true);
    const pairs = (MAX_PAIR_NAMES_PER_RUN * (MAX_PAIR_NAMES_PER_RUN - 1)) / 2;
    expect(observeToolSets(overlap)).toHaveLength(pairs);
  });

  it('decides set inclusion in a group by names', () => {
    expect(coveredByOneGroup(['a', 'c'], [['a', 'b', 'c']])).toBe(true);
    expect(coveredByOneGroup(['a', 'd'], [['a', 'b', 'c'], ['d', 'e']])).toBe(false);
  });
});
