// The isolated OpenClaw a test runs against: its openclaw.json (loopback gateway with a
// token, the scripted LLM as the only provider, our plugins) and the environment that
// points every OpenClaw process at this run's folder and nothing of the developer's.

import { dirname, join } from 'node:path';
import { deepMerge } from './helpers.ts';

export interface PluginSpec {
  id: string;
  /** Folder holding openclaw.plugin.json; added to plugins.load.paths. Omit for an installed plugin. */
  path?: string;
  enabled?: boolean;
  /** plugins.entries.<id>.hooks.allowConversationAccess; default true. */
  allowConversationAccess?: boolean;
  config?: Record<string, unknown>;
}

export interface ModelCost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface HarnessOptions {
  /** Base URL of the OpenAI-compatible LLM, e.g. ScriptedLlm.baseUrl (ends in /v1). */
  llmBaseUrl: string;
  plugins?: PluginSpec[];
  /** plugins.allow; unset means every discovered plugin may load. */
  allowPlugins?: string[];
  providerId?: string;
  modelId?: string;
  /** USD per million tokens, so cost shows up in usage; OpenClaw computes it from these. */
  modelCost?: ModelCost;
  /** Deep-merged over the generated config last. */
  extraConfig?: Record<string, unknown>;
  extraEnv?: Record<string, string>;
  /** Keep the temp folder after cleanup (also: env OPENCLAW_HARNESS_KEEP=1). */
  keep?: boolean;
}

export const DEFAULT_MODEL_COST: ModelCost = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

// Only what a process needs to run; VITEST*/NODE_ENV and the developer's OPENCLAW_* would
// switch OpenClaw into other code paths or point it at a real state folder.
const PASSED_ENV = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TERM'];

export interface IsolatedDirs {
  dir: string;
  homeDir: string;
  stateDir: string;
  configPath: string;
}

/** The env every OpenClaw process of one harness runs with; `extraEnv` wins over it. */
export function isolatedEnv(dirs: IsolatedDirs, nodeBinary: string, extraEnv?: Record<string, string>): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const key of PASSED_ENV) {
    const value = process.env[key];
    if (value !== undefined) passed[key] = value;
  }
  // OpenClaw may start helper `node` processes by name; they must be Node 24 too.
  passed.PATH = `${dirname(nodeBinary)}:${passed.PATH ?? '/usr/bin:/bin'}`;
  return {
    ...passed,
    HOME: dirs.homeDir,
    OPENCLAW_HOME: dirs.homeDir,
    OPENCLAW_STATE_DIR: dirs.stateDir,
    OPENCLAW_CONFIG_PATH: dirs.configPath,
    TMPDIR: join(dirs.dir, 'tmp'),
    OPENCLAW_OFFLINE: '1',
    OPENCLAW_DISABLE_BONJOUR: '1',
    OPENCLAW_NO_AUTO_UPDATE: '1',
    NO_COLOR: '1',
    // OpenClaw copies each plugin package with its dependencies (~10,000 files for this one)
    // into a capture directory, synchronously, at start, at the first model call and at a
    // subagent's first run: on a loaded 2-core machine the gateway stands still for 20-35 s
    // (measured with nemoRelay.status host.eventLoopDelay and a CPU profile). Its own 15 s
    // handshake bound would then drop CLI connections; this is OpenClaw's knob for both ends.
    OPENCLAW_HANDSHAKE_TIMEOUT_MS: '120000',
    ...extraEnv,
  };
}

/** openclaw.json for one run; `options.plugins` must already carry loadable paths (staging.ts). */
export function buildConfig(options: HarnessOptions, port: number, token: string, logFile: string, providerId: string, modelId: string): Record<string, unknown> {
  const plugins = options.plugins ?? [];
  const entries: Record<string, unknown> = {};
  for (const plugin of plugins) {
    entries[plugin.id] = {
      enabled: plugin.enabled ?? true,
      hooks: { allowConversationAccess: plugin.allowConversationAccess ?? true },
      ...(plugin.config !== undefined ? { config: plugin.config } : {}),
    };
  }
  const config: Record<string, unknown> = {
    gateway: {
      mode: 'local',
      port,
      bind: 'loopback',
      auth: { mode: 'token', token },
      http: { endpoints: { chatCompletions: { enabled: true } } },
    },
    logging: { file: logFile },
    // Without this, plugin tools hide behind a tool-search tool and a scripted LLM that
    // names them directly gets "unknown tool".
    tools: { toolSearch: false },
    models: {
      providers: {
        [providerId]: {
          baseUrl: options.llmBaseUrl,
          apiKey: 'scripted-key',
          api: 'openai-completions',
          models: [
            {
              id: modelId,
              name: `Scripted ${modelId}`,
              reasoning: false,
              input: ['text'],
              cost: options.modelCost ?? DEFAULT_MODEL_COST,
              contextWindow: 128_000,
              maxTokens: 4_096,
            },
          ],
        },
      },
    },
    // Background automations (the heartbeat turn every 30 min, memory dreaming) would send
    // extra LLM requests at random moments and hold SIGTERM for minutes while they drain.
    cron: { enabled: false },
    agents: { defaults: { model: { primary: `${providerId}/${modelId}` }, heartbeat: { every: '0m' } } },
    plugins: {
      ...(options.allowPlugins ? { allow: options.allowPlugins } : {}),
      load: { paths: plugins.flatMap((p) => (p.path ? [p.path] : [])) },
      entries,
    },
  };
  return options.extraConfig ? deepMerge(config, options.extraConfig) : config;
}
