// Drives a fresh runtime offline with a journal's records: the same parse, correlation and
// outputs as a live gateway, with the recorded arrival times as the clock, so a trace can be
// rebuilt after a fix or from a journal attached to a bug report. No gateway needed.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sequentialIds } from '../correlate/ids.ts';
import type { SinkHealth } from '../fanout/sink.ts';
import { OUTPUTS } from '../outputs/registry.ts';
import { Runtime, type Logger } from '../runtime/runtime.ts';
import type { ReplayRecord } from './read-journal.ts';

export interface ReplayOptions {
  /** The plugin config the live gateway ran with (capture, correlation, atif naming); outputs are replaced. */
  baseConfig?: unknown;
  /** Write ATIF files here (absolute or relative to cwd). */
  atifDir?: string;
  /** Send spans to this OTLP/HTTP endpoint (protobuf), e.g. http://127.0.0.1:4318/v1/traces. */
  otlpUrl?: string;
  /** Send OpenInference spans (Phoenix) to this OTLP/HTTP endpoint, e.g. http://127.0.0.1:6006/v1/traces. */
  openinferenceUrl?: string;
  openclawVersion?: string;
  /** Time after the last record before open sessions are closed (grace windows run out). Default 60 s. */
  settleMs?: number;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Flush bound at the end (default 30 s). */
  stopTimeoutMs?: number;
}

export interface ReplayReport {
  dispatched: number;
  malformed: number;
  internalErrors: number;
  configErrors: string[];
  sinks: SinkHealth[];
}

type Obj = Record<string, unknown>;

/** Replays `records` (in arrival order) through a new runtime; resolves when outputs are flushed. */
export async function replayRecords(records: readonly ReplayRecord[], opts: ReplayOptions): Promise<ReplayReport> {
  const rawConfig = replayConfig(opts);
  let clock = records[0]?.at ?? Date.now();
  const logs: string[] = [];
  const logger: Logger = opts.logger ?? { info: () => {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const runtime = new Runtime({
    rawConfig,
    env: opts.env ?? {},
    logger,
    pluginVersion: pluginVersion(),
    openclawVersion: opts.openclawVersion ?? 'unknown',
    now: () => clock,
    // Generated trace and span ids are deterministic, so two replays write equal files.
    ids: sequentialIds(),
    outputs: OUTPUTS,
  });
  const configErrors = runtime.loaded.issues.filter((i) => i.severity === 'error').map((i) => `${i.path}: expected ${i.expected}, found ${i.found}`);
  if (runtime.loaded.invalid) return { dispatched: 0, malformed: 0, internalErrors: 0, configErrors, sinks: [] };
  let dispatched = 0;
  for (const r of records) {
    // Deadlines (grace windows, TTLs) that passed before this record fire first, as live.
    clock = Math.max(clock, r.at);
    runtime.tick();
    runtime.dispatch(r.hook, r.event, r.ctx);
    dispatched++;
    // Let the outputs' lane run now and then, so a long journal does not pile up work.
    if (dispatched % 500 === 0) await new Promise<void>((res) => setImmediate(res));
  }
  clock += opts.settleMs ?? 60_000;
  runtime.tick();
  await runtime.flush();
  await runtime.stop('replay_end', opts.stopTimeoutMs ?? 30_000);
  let malformed = 0;
  for (const n of Object.values(runtime.malformedCounts)) malformed += n;
  return { dispatched, malformed, internalErrors: runtime.internalErrors, configErrors, sinks: runtime.sinkHealth() };
}

/** The base config with its outputs replaced by the replay's (ATIF directory, OTLP endpoint). */
export function replayConfig(opts: Pick<ReplayOptions, 'baseConfig' | 'atifDir' | 'otlpUrl' | 'openinferenceUrl'>): Obj {
  const base: Obj = isObj(opts.baseConfig) ? opts.baseConfig : {};
  const plugins = isObj(base.plugins) ? base.plugins : {};
  const comps = Array.isArray(plugins.components) ? (plugins.components as unknown[]) : [];
  const obs = comps.find((c): c is Obj => isObj(c) && c.kind === 'observability');
  const obsCfg: Obj = obs && isObj(obs.config) ? obs.config : {};
  const atif: Obj = isObj(obsCfg.atif) ? { ...obsCfg.atif } : {};
  delete atif.storage; // a replay never uploads
  const config: Obj = {
    version: 1,
    atif: opts.atifDir ? { agent_name: 'openclaw', ...atif, enabled: true, output_directory: path.resolve(opts.atifDir) } : { enabled: false },
    opentelemetry: opts.otlpUrl
      ? { service_name: 'openclaw-nemo-relay', ...(isObj(obsCfg.opentelemetry) && !Array.isArray(obsCfg.opentelemetry.endpoints) ? obsCfg.opentelemetry : {}), enabled: true, transport: 'http_binary', endpoint: opts.otlpUrl }
      : { enabled: false },
    openinference: opts.openinferenceUrl
      ? { service_name: 'openclaw-nemo-relay', ...(isObj(obsCfg.openinference) ? obsCfg.openinference : {}), enabled: true, transport: 'http_binary', endpoint: opts.openinferenceUrl }
      : { enabled: false },
  };
  return {
    ...base,
    enabled: true,
    backend: 'hooks',
    plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config }] },
  };
}

function pluginVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
