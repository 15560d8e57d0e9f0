// Command-line options of `npm run bench`.

import { parseArgs } from 'node:util';
import { ALL_OUTPUTS, type OutputName } from './config.ts';

export interface Scale {
  sessions: number;
  runs: number;
}

export interface BenchOptions {
  /** replay (default; also --gateway) or export (`nemo-relay export` over generated files). */
  scenario: 'replay' | 'export' | 'open-sessions';
  /** --scenario open-sessions: sessions held open (no session_end). */
  openSessions: number;
  /** --scenario export: file counts, each exported in a fresh process. */
  exportFiles: number[];
  exportFormat: string;
  gateway: boolean;
  replay: boolean;
  scales: Scale[];
  warmup: number;
  yieldEvery: number;
  /** measured: profile the largest nemo-relay run itself; separate: an extra profiled run; off. */
  profile: 'measured' | 'separate' | 'off';
  fixture: string;
  out: string;
  drainTimeoutMs: number;
  turns: number;
  pluginSource: 'snapshot' | 'repo';
  /** Measured nemo-relay runs per scale; the one with the median events/s is reported. */
  repeat: number;
  /** Outputs switched on in the plugin (default all); fewer isolate one output's cost. */
  outputs: OutputName[];
  help: boolean;
}

export const USAGE = `npm run bench [-- options]

  (default)            replay recorded turns through the plugin and a no-op floor
  --scales 200x5,2000x3  sessions x runs per scale (default 200x5,2000x3)
  --warmup N           warm-up sessions before each measured replay (default 100)
  --repeat N           measured nemo-relay runs per scale, each in a fresh process; the run with
                       the median events/s is the one reported (default 3)
  --yield-every N      yield to the event loop every N handler calls (default 32)
  --profile MODE       CPU profile (--cpu-prof, 1 ms sampling) of nemo-relay at the largest scale:
                       measured (default: the measured run itself; keeps the bench short),
                       separate (an extra run, so the measured figures are unprofiled), off
  --no-profile         same as --profile off
  --fixture FILE       recorded stream to replay (default fixtures/gateway-tool-call.jsonl)
  --drain-timeout MS   longest wait for exports after the last event (default 120000)
  --gateway            real OpenClaw gateway turns with the plugin on and off instead
  --turns N            gateway turns per side (default 20; at least 20 counts for the target)
  --plugin-source S    with --gateway: snapshot (default; a frozen copy of the plugin's files, immune
                       to edits during the run) or repo (load the repo root itself)
  --with-replay        with --gateway: run the replay too
  --outputs LIST       outputs switched on: any of atif,opentelemetry,openinference,metrics,logs, or none
                       (default all five; targets are only judged with all five)
  --out FILE           JSON results (default bench/results/latest.json; gateway: latest-gateway.json;
                       export: latest-export.json)
  --scenario export    instead: \`nemo-relay export\` over generated ATIF files, memory vs file count
  --scenario open-sessions  instead: N /v1/chat/completions sessions held open (no session_end), retained heap
  --sessions N         with --scenario open-sessions: sessions (default 10000)
  --files LIST         with --scenario export: file counts (default 1000,10000)
  --export-format F    with --scenario export: openai-chat-jsonl (default), sharegpt, atif-jsonl
`;

function parseProfile(s: string): BenchOptions['profile'] {
  if (s === 'measured' || s === 'separate' || s === 'off') return s;
  throw new Error(`--profile: "${s}" is not measured, separate or off`);
}

function parseOutputs(s: string): OutputName[] {
  if (s.trim() === 'none') return [];
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  const known: readonly string[] = ALL_OUTPUTS;
  for (const x of list) if (!known.includes(x)) throw new Error(`--outputs: "${x}" is not one of ${known.join(', ')} (or none)`);
  return list as OutputName[];
}

function parseScenario(s: string): BenchOptions['scenario'] {
  if (s === 'replay' || s === 'export' || s === 'open-sessions') return s;
  throw new Error(`--scenario: "${s}" is not replay, export or open-sessions`);
}

function parseCounts(s: string): number[] {
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  const counts = list.map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--files: "${s}" is not a list of positive integers`);
  return counts;
}

function parseScale(s: string): Scale {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`--scales: "${s}" is not NxM`);
  return { sessions: Number(m[1]), runs: Number(m[2]) };
}

export function parseCli(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      gateway: { type: 'boolean', default: false },
      scenario: { type: 'string', default: 'replay' },
      files: { type: 'string', default: '1000,10000' },
      sessions: { type: 'string', default: '10000' },
      'export-format': { type: 'string', default: 'openai-chat-jsonl' },
      'with-replay': { type: 'boolean', default: false },
      scales: { type: 'string', default: '200x5,2000x3' },
      warmup: { type: 'string', default: '100' },
      repeat: { type: 'string', default: '3' },
      'yield-every': { type: 'string', default: '32' },
      profile: { type: 'string', default: 'measured' },
      'no-profile': { type: 'boolean', default: false },
      fixture: { type: 'string', default: 'fixtures/gateway-tool-call.jsonl' },
      out: { type: 'string' },
      'drain-timeout': { type: 'string', default: '120000' },
      turns: { type: 'string', default: '20' },
      'plugin-source': { type: 'string', default: 'snapshot' },
      outputs: { type: 'string', default: ALL_OUTPUTS.join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const gateway = values.gateway === true;
  const scenario = parseScenario(String(values.scenario));
  return {
    scenario,
    exportFiles: parseCounts(String(values.files)),
    openSessions: Math.max(1, Math.floor(Number(values.sessions)) || 10_000),
    exportFormat: String(values['export-format']),
    gateway,
    replay: !gateway || values['with-replay'] === true,
    scales: String(values.scales).split(',').filter(Boolean).map(parseScale),
    warmup: Number(values.warmup),
    repeat: Math.max(1, Math.floor(Number(values.repeat)) || 1),
    yieldEvery: Number(values['yield-every']),
    profile: values['no-profile'] === true ? 'off' : parseProfile(String(values.profile)),
    fixture: String(values.fixture),
    out: values.out ?? (scenario === 'export' ? 'bench/results/latest-export.json' : scenario === 'open-sessions' ? 'bench/results/latest-open-sessions.json' : gateway && values['with-replay'] !== true ? 'bench/results/latest-gateway.json' : 'bench/results/latest.json'),
    drainTimeoutMs: Number(values['drain-timeout']),
    turns: Number(values.turns),
    pluginSource: values['plugin-source'] === 'repo' ? 'repo' : 'snapshot',
    outputs: parseOutputs(String(values.outputs)),
    help: values.help === true,
  };
}
