// `atif.storage` and `atof` through the one config parser (loadConfig), as the runtime builds
// them: the uploader's and the journal's configs, and the issues the loader reported.

import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigIssue } from '../../src/config/types.ts';
import { storageFromConfig, type AtifStorageConfig } from '../../src/outputs/atif-storage/index.ts';
import { atofFromConfig, type AtofConfig } from '../../src/outputs/atof/index.ts';

type Env = Record<string, string | undefined>;
const wrap = (config: Record<string, unknown>) => ({ plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 1, ...config } }] } });

/** `section` is the `atif` section without output_directory (one is supplied). */
export function loadAtifStorage(section: Record<string, unknown>, env: Env = {}): { storage?: AtifStorageConfig; issues: ConfigIssue[] } {
  const loaded = loadConfig(wrap({ atif: { enabled: true, output_directory: '/tmp/nemo-relay-unused', ...section } }), env);
  const storage = storageFromConfig(loaded.config.atif?.storage, env);
  return { ...(storage ? { storage } : {}), issues: loaded.issues };
}

export function atifStorage(section: Record<string, unknown>, env: Env = {}): AtifStorageConfig {
  const { storage, issues } = loadAtifStorage(section, env);
  if (!storage) throw new Error(`no enabled store: ${issues.map((i) => i.message).join('; ')}`);
  return storage;
}

/** Relative `output_directory` values resolve against `cwd`. */
export function loadAtof(section: Record<string, unknown>, env: Env = {}, cwd = process.cwd()): { atof?: AtofConfig; issues: ConfigIssue[] } {
  const sinks = Array.isArray(section.sinks)
    ? section.sinks.map((s: Record<string, unknown>) => (typeof s.output_directory === 'string' ? { ...s, output_directory: path.resolve(cwd, s.output_directory) } : s))
    : section.sinks;
  const loaded = loadConfig(wrap({ atof: { ...section, sinks } }), env);
  const atof = atofFromConfig(loaded.config.atof);
  return { ...(atof ? { atof } : {}), issues: loaded.issues };
}

export function atof(section: Record<string, unknown>, env: Env = {}, cwd = process.cwd()): AtofConfig {
  const { atof: cfg, issues } = loadAtof(section, env, cwd);
  if (!cfg) throw new Error(`no enabled sink: ${issues.map((i) => i.message).join('; ')}`);
  return cfg;
}
