// `nemo-relay export`: a folder of ATIF files -> a JSONL training set.

import type { CliCommand, CliIo } from '../cli/command.ts';
import { errorLine, guarded, parse, str, UsageError, usageCheck } from './args.ts';
import { runExport } from './export.ts';
import { parseFilters } from './filters.ts';
import { FORMATS, formatNamed } from './formats/index.ts';
import { parseSeed, parseSplit } from './split.ts';

const USAGE = `usage: nemo-relay export --format FORMAT --in DIR --out FILE [options]

Turns every ATIF file (*.json) under DIR into JSONL training samples, one per trajectory,
in sorted file order (the same input gives the same output). Invalid files are skipped and
listed on stderr.

  --format F              ${FORMATS.map((f) => f.name).join(' | ')}
  --in DIR                folder of ATIF trajectory files (searched recursively)
  --out FILE              JSONL file to write (with --split: FILE.<split>.<ext> per split)
  --filter KEY=VALUE      keep trajectories whose annotation matches; KEY: outcome, episode_id,
                          label; repeat the option (same key: any of the values)
  --min-reward X          keep trajectories with extra.annotations.reward >= X
  --agent NAME            keep trajectories of this agent (agent.name or OpenClaw agent id)
  --since DATE            keep trajectories that started at or after DATE (ISO 8601)
  --include-subagents     also emit each embedded subagent trajectory as a sample
  --split a=0.9,b=0.1     split by a hash of seed + trajectory id (stable when files are added)
  --seed N                seed of the split (default 0)
  --with-metadata         add a "metadata" object (ids, file, annotations) to each record
                          (not for atif-jsonl)
  -h, --help              this help
`;

async function run(argv: string[], io: CliIo): Promise<number> {
  return guarded(io, USAGE, async () => {
    const { values } = parse(argv, {
      format: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      filter: { type: 'string', multiple: true },
      'min-reward': { type: 'string' },
      agent: { type: 'string' },
      since: { type: 'string' },
      'include-subagents': { type: 'boolean' },
      split: { type: 'string' },
      seed: { type: 'string' },
      'with-metadata': { type: 'boolean' },
    });
    if (values['help'] === true) {
      io.out(USAGE);
      return 0;
    }
    for (const req of ['format', 'in', 'out'] as const) if (str(values[req]) === undefined) throw new UsageError(`--${req} is required`);
    const format = usageCheck(() => formatNamed(str(values['format'])!));
    const filters = usageCheck(() =>
      parseFilters({ filter: values['filter'] as string[] | undefined, minReward: str(values['min-reward']), agent: str(values['agent']), since: str(values['since']) }),
    );
    const splitArg = str(values['split']);
    if (splitArg === undefined && values['seed'] !== undefined) throw new UsageError('--seed only applies with --split');
    const split = splitArg !== undefined ? usageCheck(() => ({ parts: parseSplit(splitArg), seed: parseSeed(str(values['seed'])) })) : undefined;
    if (values['with-metadata'] === true && format.name === 'atif-jsonl') throw new UsageError('--with-metadata: atif-jsonl records are ATIF documents, which allow no extra keys');

    const started = Date.now();
    const summary = await runExport({
      inDir: str(values['in'])!,
      outFile: str(values['out'])!,
      format,
      filters,
      includeSubagents: values['include-subagents'] === true,
      withMeta: values['with-metadata'] === true,
      ...(split ? { split } : {}),
      onInvalid: (file, errors) => io.err(`skipped invalid ${errorLine(file, errors)}\n`),
    });
    const secs = (Date.now() - started) / 1000;
    io.err(
      `${summary.files} files read (${summary.invalid} invalid, skipped), ${summary.samples} samples written, ` +
        `${summary.filteredOut} filtered out, ${summary.empty} without an assistant turn; ${secs.toFixed(1)} s\n`,
    );
    for (const [file, n] of Object.entries(summary.outputs)) io.err(`  ${file}: ${n} records\n`);
    return 0;
  });
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'turn a folder of ATIF trajectories into JSONL training data (openai-chat-jsonl, sharegpt, atif-jsonl)',
  usage: USAGE,
  run,
};
