// Turns one run's overlap analysis into tool-set observations.
//
// The rule, for any tool set S: in a run where every tool of S ran (with times), S ran
// "together" when a single parallel group holds all of S, and "in sequence" otherwise.
// The sets a run reports itself are every pair of its distinct tools (so a pair that never
// overlaps still gets a record and can earn `sequential`) and the exact name set of each
// parallel group of three or more tools (the batch as the model issued it). Larger sets seen
// in earlier runs are checked against the run by the store, which knows them.

import { MAX_PAIR_NAMES_PER_RUN, MAX_SET_SIZE, type RunOverlap } from './run-overlap.ts';

/**
 * Joins sorted names into a readable key (`probe_echo+read`). OpenClaw tool names are
 * identifier-like; were one to contain `+`, two sets could share a key and merge their
 * counts, while the set's `tools` list keeps the real names of the first one seen.
 */
export const SET_KEY_SEPARATOR = '+';

export interface SetObservation {
  key: string;
  /** Sorted, distinct. */
  names: readonly string[];
  together: boolean;
}

export function setKey(sortedNames: readonly string[]): string {
  return sortedNames.join(SET_KEY_SEPARATOR);
}

function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

/** True when one parallel group of the run holds every name of `sortedNames`. */
export function coveredByOneGroup(sortedNames: readonly string[], parallelSets: readonly (readonly string[])[]): boolean {
  for (const group of parallelSets) {
    if (group.length < sortedNames.length) continue;
    // Both lists are sorted: one merge walk decides inclusion in O(|group|).
    let g = 0;
    let matched = 0;
    for (const name of sortedNames) {
      while (g < group.length && group[g]! < name) g++;
      if (g < group.length && group[g] === name) {
        matched++;
        g++;
      } else break;
    }
    if (matched === sortedNames.length) return true;
  }
  return false;
}

export function observeToolSets(overlap: RunOverlap): SetObservation[] {
  const observations: SetObservation[] = [];
  const names =
    overlap.timedNames.length > MAX_PAIR_NAMES_PER_RUN
      ? overlap.timedNames.slice(0, MAX_PAIR_NAMES_PER_RUN)
      : overlap.timedNames;

  // Pairs that shared a group. Only groups with two distinct names or more can add one.
  const togetherPairs = new Set<string>();
  if (overlap.parallelSets.length > 0) {
    const limited = names === overlap.timedNames ? undefined : new Set(names);
    for (const group of overlap.parallelSets) {
      const members = limited === undefined ? group : group.filter((name) => limited.has(name));
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
          togetherPairs.add(members[i]! + SET_KEY_SEPARATOR + members[j]!);
        }
      }
    }
  }

  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const pair = orderedPair(names[i]!, names[j]!);
      const key = setKey(pair);
      observations.push({ key, names: pair, together: togetherPairs.has(key) });
    }
  }

  let batches: Set<string> | undefined;
  for (const group of overlap.parallelSets) {
    if (group.length < 3 || group.length > MAX_SET_SIZE) continue;
    const key = setKey(group);
    batches ??= new Set();
    // Two groups of one run with the same names are one observation: counts are per run.
    if (batches.has(key)) continue;
    batches.add(key);
    observations.push({ key, names: group, together: true });
  }
  return observations;
}
