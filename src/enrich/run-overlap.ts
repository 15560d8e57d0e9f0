// Pure analysis of one run's tool calls: which calls overlapped in time.
//
// Calls whose [start, end) intervals overlap form a parallel group: the connected components
// of the overlap graph. Sorting by start and sweeping with the running maximum end finds them
// in O(n log n) without building the graph. A call missing either time (only one of
// before_tool_call / after_tool_call was seen) or with end before start (a clock step) cannot
// be placed in time: it is counted as untimed and never as overlapping.

import type { Run, ToolSpan } from '../trace/model.ts';

/**
 * Distinct timed tool names per run that take part in pair observations. Pairs grow
 * quadratically; real runs use a handful of distinct tools, so this only bounds hostile or
 * degenerate runs (the run is then flagged `truncated`).
 */
export const MAX_PAIR_NAMES_PER_RUN = 32;
/** Largest parallel group kept as one exact tool set; bigger groups still count for pairs. */
export const MAX_SET_SIZE = 16;

export interface ToolTally {
  calls: number;
  untimedCalls: number;
  /** Calls that ran in a group of two or more calls (this tool alongside any tool, itself included). */
  parallelCalls: number;
}

export interface RunOverlap {
  toolCalls: number;
  untimedCalls: number;
  /** Groups of timed calls; a call that overlapped nothing is a group of one. */
  groups: number;
  /** Groups of two or more calls. */
  parallelGroups: number;
  /** Calls in the largest group (0 when no call was timed). */
  largestGroup: number;
  /** Every tool name of the run, timed or not, with its counts. */
  tools: Map<string, ToolTally>;
  /** Distinct names of timed calls, in order of first start. */
  timedNames: string[];
  /** Distinct names (sorted) of each group that has two or more distinct names. */
  parallelSets: string[][];
  /** True when a limit above cut the pair or set observations of this run. */
  truncated: boolean;
}

interface TimedCall {
  name: string;
  start: number;
  end: number;
}

function isTime(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function tallyOf(tools: Map<string, ToolTally>, name: string): ToolTally {
  let tally = tools.get(name);
  if (tally === undefined) {
    tally = { calls: 0, untimedCalls: 0, parallelCalls: 0 };
    tools.set(name, tally);
  }
  return tally;
}

function collect(spans: readonly ToolSpan[], tools: Map<string, ToolTally>, timed: TimedCall[]): number {
  let untimed = 0;
  for (const span of spans) {
    // Names come from untrusted payloads; an empty one would make an ambiguous set key.
    const name = typeof span.name === 'string' && span.name !== '' ? span.name : 'unknown';
    const tally = tallyOf(tools, name);
    tally.calls++;
    const { startTime, endTime } = span;
    if (isTime(startTime) && isTime(endTime) && endTime >= startTime) {
      timed.push({ name, start: startTime, end: endTime });
    } else {
      tally.untimedCalls++;
      untimed++;
    }
  }
  return untimed;
}

export function analyzeRunOverlap(run: Run): RunOverlap {
  const tools = new Map<string, ToolTally>();
  const timed: TimedCall[] = [];
  let untimedCalls = 0;
  for (const call of run.llmCalls) untimedCalls += collect(call.tools, tools, timed);
  untimedCalls += collect(run.orphanTools, tools, timed);

  // Ties on start are broken by end so that a zero-length call sorts before a longer call
  // starting at the same instant; the sweep below then agrees with the pairwise rule
  // (a.start < b.end && b.start < a.end) in every case.
  timed.sort((a, b) => a.start - b.start || a.end - b.end);

  const timedNames: string[] = [];
  const seenNames = new Set<string>();
  const parallelSets: string[][] = [];
  let groups = 0;
  let parallelGroups = 0;
  let largestGroup = 0;
  let truncated = false;

  let first = 0;
  while (first < timed.length) {
    const head = timed[first]!;
    let maxEnd = head.end;
    let next = first + 1;
    while (next < timed.length) {
      const call = timed[next]!;
      if (call.start >= maxEnd) break;
      if (call.end > maxEnd) maxEnd = call.end;
      next++;
    }
    const size = next - first;
    groups++;
    if (size > largestGroup) largestGroup = size;
    if (size >= 2) {
      parallelGroups++;
      const names = new Set<string>();
      for (let i = first; i < next; i++) {
        const call = timed[i]!;
        tools.get(call.name)!.parallelCalls++;
        names.add(call.name);
      }
      if (names.size >= 2) {
        if (names.size > MAX_SET_SIZE) truncated = true;
        parallelSets.push([...names].sort());
      }
    }
    for (let i = first; i < next; i++) {
      const name = timed[i]!.name;
      if (!seenNames.has(name)) {
        seenNames.add(name);
        timedNames.push(name);
      }
    }
    first = next;
  }
  if (timedNames.length > MAX_PAIR_NAMES_PER_RUN) truncated = true;

  return {
    toolCalls: timed.length + untimedCalls,
    untimedCalls,
    groups,
    parallelGroups,
    largestGroup,
    tools,
    timedNames,
    parallelSets,
    truncated,
  };
}
