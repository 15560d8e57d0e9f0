// `nemo-relay validate DIR`: every ATIF file under DIR against schemas/atif.schema.json and the
// RFC rules the schema cannot state; one line per error (file, JSON pointer, message).

import type { CliCommand, CliIo } from '../cli/command.ts';
import { guarded, parse, UsageError } from './args.ts';
import { readTrajectories } from './reader.ts';

const USAGE = `usage: nemo-relay validate DIR [--json]

Checks every ATIF file (*.json) under DIR against the ATIF v1.7 schema and the RFC 0001
rules (step ids, tool-call references, subagent references). Prints one line per error:
FILE  JSON-POINTER  MESSAGE, then a summary. Exit code 0 when every file is valid, 1 when
any file is invalid (or none was found), 2 on a usage error.

  --json       one JSON report on stdout: {files, valid, invalid, errors:[{file, path, message}]}
  -h, --help   this help
`;

async function run(argv: string[], io: CliIo): Promise<number> {
  return guarded(io, USAGE, async () => {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, true);
    if (values['help'] === true) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : `one DIR expected, found ${positionals.length} arguments`);
    const json = values['json'] === true;
    const report = { files: 0, valid: 0, invalid: 0, errors: [] as { file: string; path: string; message: string }[] };
    for await (const entry of readTrajectories(positionals[0]!)) {
      report.files++;
      if (entry.ok) {
        report.valid++;
        continue;
      }
      report.invalid++;
      for (const e of entry.errors) {
        const line = { file: entry.file, path: e.path || '/', message: e.message };
        if (json) report.errors.push(line);
        else io.out(`${line.file}  ${line.path}  ${line.message}\n`);
      }
    }
    if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(`${report.files} files: ${report.valid} valid, ${report.invalid} invalid\n`);
    if (report.files === 0) io.err(`no ATIF files (*.json) under ${positionals[0]}\n`);
    return report.invalid > 0 || report.files === 0 ? 1 : 0;
  });
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check every ATIF file of a folder against the ATIF schema; exit 1 if any is invalid',
  usage: USAGE,
  run,
};
