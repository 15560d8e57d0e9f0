// Raw plugin config -> NemoRelayConfig + a list of problems. Never throws: an invalid config
// keeps the plugin loaded with every output off, and each problem names its JSON path,
// what was expected and what was found (secret-looking values are never echoed).

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type {
  AdaptiveConfig,
  AtifConfig,
  ConfigIssue,
  NemoRelayConfig,
  OtlpOutputConfig,
  OtlpProjection,
  PolicyConfig,
  UnsupportedBehavior,
} from './types.ts';
import { ADAPTIVE_BACKEND_KINDS as ADAPTIVE_BACKENDS, ADAPTIVE_LEARNERS } from '../enrich/kinds.ts';
import { schemaIssues } from './validate.ts';

export const SUPPORTED_COMPONENTS = ['observability', 'adaptive'] as const;

export interface LoadedConfig {
  config: NemoRelayConfig;
  issues: ConfigIssue[];
  /** True when an error-severity issue switched every output off. */
  invalid: boolean;
}

type Env = Record<string, string | undefined>;
type Obj = Record<string, unknown>;

const DEFAULT_OTLP = {
  gen_ai: 'http://localhost:4318/v1/traces',
  openinference: 'http://localhost:6006/v1/traces',
  full: 'http://localhost:4318/v1/traces',
};

export function loadConfig(raw: unknown, env: Env = process.env): LoadedConfig {
  const value = raw === undefined || raw === null ? {} : raw;
  const issues: ConfigIssue[] = [];
  const obj = (isObj(value) ? value : {}) as Obj;
  const policy = readPolicy(obj);
  issues.push(...schemaIssues(value, policy));

  const capture = (obj.capture ?? {}) as Obj;
  const correlation = (obj.correlation ?? {}) as Obj;
  const config: NemoRelayConfig = {
    enabled: obj.enabled !== false,
    backend: 'hooks',
    capture: {
      includePrompts: capture.includePrompts !== false,
      includeResponses: capture.includeResponses !== false,
      stripToolArgs: capture.stripToolArgs !== false,
      stripToolResults: capture.stripToolResults !== false,
      scrubSecrets: capture.scrubSecrets !== false,
      secretPatterns: compilePatterns(capture.secretPatterns, issues),
      maxFieldBytes: int(capture.maxFieldBytes, 65_536),
    },
    correlation: {
      llmOutputGraceMs: int(correlation.llmOutputGraceMs, 250),
      recordTtlMs: int(correlation.recordTtlMs, 600_000),
      maxRecordsPerKey: Math.max(1, int(correlation.maxRecordsPerKey, 32)),
      sessionIdleMs: int(correlation.sessionIdleMs, 3_600_000),
      maxOpenSessions: Math.max(1, int(correlation.maxOpenSessions, 10_000)),
      traceMode: correlation.traceMode === 'per_session' ? 'per_session' : 'per_run',
    },
    otlp: [],
    policy,
  };

  const plugins = isObj(obj.plugins) ? obj.plugins : {};
  const components = Array.isArray(plugins.components) ? plugins.components : [];
  let sawObservability = false;
  let sawAdaptive = false;
  components.forEach((c, i) => {
    if (!isObj(c) || typeof c.kind !== 'string') return; // schema issue already reported
    const path = `/plugins/components/${i}`;
    const enabled = c.enabled !== false;
    const cfg = isObj(c.config) ? c.config : {};
    if (c.kind === 'observability') {
      if (sawObservability) return warnDuplicate(issues, path, 'observability');
      sawObservability = true;
      if (!enabled) return;
      config.atif = readAtif(cfg.atif, env);
      config.otlp.push(...readOtlp(cfg, `${path}/config`, env, issues));
    } else if (c.kind === 'adaptive') {
      if (sawAdaptive) return warnDuplicate(issues, path, 'adaptive');
      sawAdaptive = true;
      config.adaptive = readAdaptive(cfg, enabled, `${path}/config`, policy, issues);
    } else {
      byPolicy(issues, policy.unknownComponent, {
        path: `${path}/kind`,
        expected: `one of ${SUPPORTED_COMPONENTS.join(', ')}`,
        found: JSON.stringify(c.kind),
        message: `unknown component kind ${JSON.stringify(c.kind)} is ignored`,
      });
    }
  });

  const invalid = issues.some((i) => i.severity === 'error');
  return { config, issues, invalid };
}

function readPolicy(obj: Obj): PolicyConfig {
  const p = isObj(obj.plugins) && isObj(obj.plugins.policy) ? obj.plugins.policy : {};
  const b = (v: unknown, d: UnsupportedBehavior): UnsupportedBehavior => (v === 'ignore' || v === 'warn' || v === 'error' ? v : d);
  return {
    unknownComponent: b(p.unknown_component, 'warn'),
    unknownField: b(p.unknown_field, 'error'),
    unsupportedValue: b(p.unsupported_value, 'error'),
  };
}

function readAtif(raw: unknown, env: Env): AtifConfig | undefined {
  const a = isObj(raw) ? raw : undefined;
  if (!a || a.enabled === false) return undefined;
  const dir = typeof a.output_directory === 'string' ? a.output_directory : './nemo-relay-atif';
  return {
    enabled: true,
    agentName: typeof a.agent_name === 'string' ? a.agent_name : 'openclaw',
    outputDirectory: resolveDir(dir, env),
    filenameTemplate: typeof a.filename_template === 'string' ? a.filename_template : '{session_id}.json',
  };
}

/** Relative paths resolve against OpenClaw's state directory: stable whatever the gateway's cwd. */
export function resolveDir(dir: string, env: Env): string {
  const expanded = dir.startsWith('~/') ? join(env.HOME ?? homedir(), dir.slice(2)) : dir;
  if (isAbsolute(expanded)) return resolve(expanded);
  const state = env.OPENCLAW_STATE_DIR ?? join(env.OPENCLAW_HOME ?? env.HOME ?? homedir(), '.openclaw');
  return resolve(state, expanded);
}

function readOtlp(cfg: Obj, path: string, env: Env, issues: ConfigIssue[]): OtlpOutputConfig[] {
  const out: OtlpOutputConfig[] = [];
  const otel = isObj(cfg.opentelemetry) ? cfg.opentelemetry : undefined;
  if (otel && Array.isArray(otel.endpoints)) {
    otel.endpoints.forEach((e, i) => {
      if (!isObj(e)) return;
      const projection = (e.type === 'full' || e.type === 'openinference' ? e.type : 'gen_ai') as OtlpProjection;
      out.push(readOutput(`opentelemetry.endpoints[${i}]`, projection, { ...e, enabled: e.enabled ?? otel.enabled ?? true },
        `${path}/opentelemetry/endpoints/${i}`, env, issues));
    });
  } else if (otel) {
    out.push(readOutput('opentelemetry', 'gen_ai', otel, `${path}/opentelemetry`, env, issues));
  }
  const oi = isObj(cfg.openinference) ? cfg.openinference : undefined;
  if (oi) out.push(readOutput('openinference', 'openinference', oi, `${path}/openinference`, env, issues));
  return out;
}

function readOutput(name: string, projection: OtlpProjection, o: Obj, path: string, env: Env, issues: ConfigIssue[]): OtlpOutputConfig {
  const envBase = env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined;
  const endpoint = str(o.endpoint) ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? envBase ?? DEFAULT_OTLP[projection];
  const headers: Record<string, string> = isObj(o.headers)
    ? Object.fromEntries(Object.entries(o.headers).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS);
  if (isObj(o.headers_from_env)) {
    for (const [header, variable] of Object.entries(o.headers_from_env)) {
      if (typeof variable !== 'string') continue;
      const v = env[variable];
      if (v === undefined || v === '') {
        issues.push({
          path: `${path}/headers_from_env/${escapePointer(header)}`,
          expected: `environment variable ${variable} to be set`,
          found: 'unset',
          severity: 'warning',
          message: `header ${header} is not sent: ${variable} is not set`,
        });
      } else headers[header] = v;
    }
  }
  const serviceName = str(o.service_name) ?? env.OTEL_SERVICE_NAME ?? 'openclaw-nemo-relay';
  const resourceAttributes: Record<string, string | number | boolean> = {
    ...parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES),
    ...(isObj(o.resource_attributes) ? (o.resource_attributes as Record<string, string | number | boolean>) : {}),
  };
  const wantsProject = projection !== 'gen_ai';
  return {
    name,
    projection,
    enabled: o.enabled === true,
    endpoint,
    headers,
    serviceName,
    resourceAttributes,
    ...(wantsProject ? { projectName: str(o.project_name) ?? env.PHOENIX_PROJECT_NAME ?? serviceName } : {}),
    timeoutMillis: int(o.timeout_millis, 10_000),
    compression: o.compression === 'none' || o.compression === 'gzip' ? o.compression : isLoopback(endpoint) ? 'none' : 'gzip',
    maxQueueSize: int(o.max_queue_size, 8192),
    maxExportBatchSize: int(o.max_export_batch_size, 64),
    scheduledDelayMillis: int(o.scheduled_delay_millis, 1000),
  };
}

function readAdaptive(cfg: Obj, enabled: boolean, path: string, policy: PolicyConfig, issues: ConfigIssue[]): AdaptiveConfig | undefined {
  const state = isObj(cfg.state) && isObj(cfg.state.backend) ? cfg.state.backend : {};
  const kind = typeof state.kind === 'string' ? state.kind : 'in_memory';
  let ok = true;
  if (!(ADAPTIVE_BACKENDS as readonly string[]).includes(kind)) {
    ok = false;
    byPolicy(issues, policy.unsupportedValue, {
      path: `${path}/state/backend/kind`,
      expected: `one of ${ADAPTIVE_BACKENDS.join(', ')}`,
      found: JSON.stringify(kind),
      message: `adaptive state backend ${JSON.stringify(kind)} is not supported`,
    });
  }
  const learnersRaw = isObj(cfg.telemetry) && Array.isArray(cfg.telemetry.learners) ? cfg.telemetry.learners : ['tool_parallelism'];
  const learners: string[] = [];
  learnersRaw.forEach((l, i) => {
    if (typeof l !== 'string') return;
    if ((ADAPTIVE_LEARNERS as readonly string[]).includes(l)) learners.push(l);
    else {
      byPolicy(issues, policy.unsupportedValue, {
        path: `${path}/telemetry/learners/${i}`,
        expected: `one of ${ADAPTIVE_LEARNERS.join(', ')}`,
        found: JSON.stringify(l),
        message: `adaptive learner ${JSON.stringify(l)} is not supported`,
      });
    }
  });
  const limits = isObj(cfg.limits) ? cfg.limits : {};
  if (!ok) return undefined;
  return {
    enabled,
    agentId: str(cfg.agent_id) ?? 'openclaw',
    backend: 'in_memory',
    learners,
    maxAgents: int(limits.max_agents, 256),
    maxToolsPerAgent: int(limits.max_tools_per_agent, 512),
    maxGroupsPerAgent: int(limits.max_groups_per_agent, 1024),
  };
}

function byPolicy(issues: ConfigIssue[], behavior: UnsupportedBehavior, issue: Omit<ConfigIssue, 'severity'>): void {
  if (behavior === 'ignore') return;
  issues.push({ ...issue, severity: behavior === 'error' ? 'error' : 'warning' });
}

function warnDuplicate(issues: ConfigIssue[], path: string, kind: string): void {
  issues.push({ path, expected: `one ${kind} component`, found: 'another one', severity: 'warning', message: `a second ${kind} component is ignored` });
}

function compilePatterns(raw: unknown, issues: ConfigIssue[]): RegExp[] {
  if (!Array.isArray(raw)) return [];
  const out: RegExp[] = [];
  raw.forEach((p, i) => {
    if (typeof p !== 'string') return;
    try {
      out.push(new RegExp(p, 'g'));
    } catch (err) {
      issues.push({
        path: `/capture/secretPatterns/${i}`,
        expected: 'a valid JavaScript regular expression',
        found: JSON.stringify(p),
        severity: 'error',
        message: `invalid secret pattern: ${(err as Error).message}`,
      });
    }
  });
  return out;
}

/** `k=v,k2=v2` as in OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES (values URL-encoded). */
export function parseKeyValues(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const pair of raw.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    const k = pair.slice(0, i).trim();
    const v = pair.slice(i + 1).trim();
    try {
      out[decodeURIComponent(k)] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function int(v: unknown, d: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : d;
}

/** A collector on this host: compressing for it only spends CPU beside the agent. */
function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
