// `nemo-relay replay JOURNAL --atif-dir DIR [--otlp URL]`: rebuilds trajectories and spans
// from an ATOF hook journal (or a recorded fixture) offline. Also `openclaw nemo-relay replay`
// through api.registerCli; it never needs a running gateway.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from '../cli/command.ts';
import { readJournals } from './read-journal.ts';
import { replayRecords } from './run.ts';

const USAGE = `nemo-relay replay JOURNAL... --atif-dir DIR [--otlp URL] [options]

Replays a hook journal (ATOF JSONL written by the atof file sink, or a recorded hook stream)
through the same correlation and outputs as the plugin, offline. Several journals (rotated
files, several gateways' processes) are merged by arrival time.

  --atif-dir DIR         write ATIF trajectory files into DIR
  --otlp URL             send spans to an OTLP/HTTP (protobuf) endpoint, e.g. http://127.0.0.1:4318/v1/traces
  --openinference URL    send OpenInference spans (Phoenix) to an OTLP/HTTP endpoint, e.g. http://127.0.0.1:6006/v1/traces
  --config FILE          the plugin config (JSON) the gateway ran with: capture, correlation,
                         atif naming; its outputs are replaced by --atif-dir / --otlp
  --openclaw-version V   OpenClaw version for ATIF agent.version (default: from the journal)
  --settle-ms N          time after the last event before open sessions close (default 60000)
  -h, --help             this text

Exit codes: 0 done, 1 an output failed, 2 bad arguments, config or journal.`;

export const replayCommand: CliCommand = {
  name: 'replay',
  summary: 'Rebuild ATIF files and spans from a hook journal, offline',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    let args;
    try {
      args = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          'atif-dir': { type: 'string' },
          otlp: { type: 'string' },
          openinference: { type: 'string' },
          config: { type: 'string' },
          'openclaw-version': { type: 'string' },
          'settle-ms': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (err) {
      io.err(`replay: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const v = args.values;
    if (v.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const journals = args.positionals;
    if (journals.length === 0) return usage(io, 'JOURNAL is required');
    const journal = journals.join(', ');
    if (!v['atif-dir'] && !v.otlp && !v.openinference) return usage(io, 'nothing to write: give --atif-dir DIR and/or --otlp URL (or --openinference URL)');
    for (const flag of ['otlp', 'openinference'] as const) {
      const url = v[flag];
      if (url !== undefined && !/^https?:\/\//.test(url)) return usage(io, `--${flag}: expected an http(s) URL, found ${url}`);
    }
    const settle = v['settle-ms'] === undefined ? undefined : Number(v['settle-ms']);
    if (settle !== undefined && (!Number.isInteger(settle) || settle < 0)) return usage(io, `--settle-ms: expected a non-negative integer, found ${v['settle-ms']}`);
    let baseConfig: unknown;
    if (v.config) {
      try {
        baseConfig = JSON.parse(readFileSync(v.config, 'utf8'));
      } catch (err) {
        return usage(io, `--config: cannot read ${v.config} as JSON: ${(err as Error).message}`);
      }
    }
    let read;
    try {
      read = await readJournals(journals);
    } catch (err) {
      io.err(`replay: cannot read ${journal}: ${(err as Error).message}\n`);
      return 2;
    }
    if (read.records.length === 0) {
      io.err(`replay: ${journal} holds no hook records${read.firstSkipped ? ` (line ${read.firstSkipped.line}: ${read.firstSkipped.why})` : ''}\n`);
      return 2;
    }
    const report = await replayRecords(read.records, {
      baseConfig,
      ...(v['atif-dir'] ? { atifDir: v['atif-dir'] } : {}),
      ...(v.otlp ? { otlpUrl: v.otlp } : {}),
      ...(v.openinference ? { openinferenceUrl: v.openinference } : {}),
      openclawVersion: v['openclaw-version'] ?? read.openclawVersion ?? 'unknown',
      ...(settle !== undefined ? { settleMs: settle } : {}),
      env: process.env,
    });
    if (report.configErrors.length) {
      io.err(`replay: the config has errors:\n${report.configErrors.map((e) => `  ${e}`).join('\n')}\n`);
      return 2;
    }
    io.out(`replayed ${report.dispatched} hook events from ${journal}${read.skipped ? ` (${read.skipped} lines skipped${read.firstSkipped ? `, first at line ${read.firstSkipped.line}: ${read.firstSkipped.why}` : ''})` : ''}\n`);
    if (report.malformed) io.out(`  ${report.malformed} events had malformed fields (see the plugin's status for the live counterpart)\n`);
    let failed = false;
    for (const s of report.sinks) {
      io.out(`  ${s.name}: ${s.exported} ${s.unit}, ${s.failures} failures, ${s.dropped} dropped${s.lastError ? `; last error: ${s.lastError.message}` : ''}\n`);
      if (s.failures > 0 || s.dropped > 0) failed = true;
    }
    return failed ? 1 : 0;
  },
};

function usage(io: CliIo, why: string): number {
  io.err(`replay: ${why}\n\n${USAGE}\n`);
  return 2;
}
