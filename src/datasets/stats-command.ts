// `nemo-relay stats DIR`: what a folder of trajectories holds, before it is exported.

import type { CliCommand, CliIo } from '../cli/command.ts';
import { errorLine, guarded, parse, UsageError } from './args.ts';
import { readTrajectories } from './reader.ts';
import { StatsCollector, type Distribution, type StatsReport } from './stats.ts';

const USAGE = `usage: nemo-relay stats DIR [--json]

Sessions, steps, tokens (prompt/completion/cached), cost, tool calls per tool, outcomes and
the reward distribution of the ATIF files (*.json) under DIR. Embedded subagent
trajectories count towards steps, tokens, cost and tools; outcomes and rewards are read
from each file's extra.annotations. Invalid files are counted and listed on stderr.

  --json       the figures as one JSON object on stdout
  -h, --help   this help
`;

const num = (v: number): string => v.toLocaleString('en-US');
const dist = (d: Distribution): string =>
  d.count === 0 ? 'none' : `count ${d.count}, mean ${Number(d.mean!.toFixed(4))}, min ${d.min}, max ${d.max}`;

function text(r: StatsReport): string {
  const lines = [
    `files           ${num(r.files)} (${num(r.invalid)} invalid, skipped)`,
    `sessions        ${num(r.sessions)} (+ ${num(r.subagentTrajectories)} embedded subagent trajectories)`,
    `steps           ${num(r.steps.total)} (system ${num(r.steps.system)}, user ${num(r.steps.user)}, agent ${num(r.steps.agent)})`,
    `llm calls       ${num(r.llmCalls)}`,
    `tokens          prompt ${num(r.tokens.prompt)}, completion ${num(r.tokens.completion)}, cached ${num(r.tokens.cached)}`,
    `cost            ${r.costUsd === null ? 'unknown (no step priced)' : `$${r.costUsd.toFixed(6)}`}`,
    `tool calls      ${num(r.toolCalls)}`,
    ...Object.entries(r.tools).map(([k, v]) => `  ${k.padEnd(22)} ${num(v)}`),
    'outcomes',
    ...Object.entries(r.outcomes).map(([k, v]) => `  ${k.padEnd(22)} ${num(v)}`),
    `reward          ${dist(r.reward)}`,
    ...Object.entries(r.rewards).map(([k, d]) => `  ${k.padEnd(22)} ${dist(d)}`),
  ];
  return `${lines.join('\n')}\n`;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  return guarded(io, USAGE, async () => {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, true);
    if (values['help'] === true) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : `one DIR expected, found ${positionals.length} arguments`);
    const stats = new StatsCollector();
    for await (const entry of readTrajectories(positionals[0]!)) {
      if (entry.ok) stats.add(entry.doc);
      else {
        stats.addInvalid();
        io.err(`skipped invalid ${errorLine(entry.file, entry.errors)}\n`);
      }
    }
    const report = stats.report();
    io.out(values['json'] === true ? `${JSON.stringify(report, null, 2)}\n` : text(report));
    return 0;
  });
}

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'sessions, steps, tokens, cost, tools, outcomes and rewards of a folder of trajectories',
  usage: USAGE,
  run,
};
