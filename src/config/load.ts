// Raw plugin config -> NemoRelayConfig + a list of problems. Never throws. A problem switches
// off only what it belongs to: an unusable endpoint its output, a bad atif field ATIF, an
// error inside one component that component. Only a config that means nothing as a whole
// (the wrapper is not an object, a wrapper field of the wrong type — which OpenClaw itself
// rejects before the plugin loads) switches every output off. Each problem names its JSON
// path, what was expected and what was found (secret-looking values are never echoed).

import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { EndpointContext } from './endpoint.ts';
import { type Env, sdkDisabled } from './otel-env.ts';
import { readAdaptive } from './adaptive.ts';
import { readObservability } from './observability.ts';
import { type Obj, int, isObj } from './read.ts';
import { readSampling } from './sampling.ts';
import { type Target, applyScopes } from './scope.ts';
import type { ConfigIssue, NemoRelayConfig, PolicyConfig, UnsupportedBehavior } from './types.ts';
import { type SchemaProblem, schemaProblems } from './validate.ts';

export const SUPPORTED_COMPONENTS = ['observability', 'adaptive'] as const;

export interface LoadedConfig {
  config: NemoRelayConfig;
  issues: ConfigIssue[];
  /** True only when the config means nothing as a whole; then every output is off. */
  invalid: boolean;
}

export function loadConfig(raw: unknown, env: Env = process.env): LoadedConfig {
  const value = raw === undefined || raw === null ? {} : raw;
  const issues: ConfigIssue[] = [];
  const obj = (isObj(value) ? value : {}) as Obj;
  const policy = readPolicy(isObj(obj.plugins) ? obj.plugins.policy : undefined, DEFAULT_POLICY);
  const problems = schemaProblems(value);

  const capture = isObj(obj.capture) ? obj.capture : {};
  const correlation = isObj(obj.correlation) ? obj.correlation : {};
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
    sampling: readSampling(obj.sampling, env, issues),
    enableFullPayloads: false,
    policy,
  };

  const ctx: EndpointContext = { env, issues, resolvePath: (p) => resolveDir(p, env) };
  const targets: Target[] = [];
  const plugins = isObj(obj.plugins) ? obj.plugins : {};
  const components = Array.isArray(plugins.components) ? plugins.components : [];
  const componentPolicies = new Map<string, PolicyConfig>();
  components.forEach((c, i) => {
    if (isObj(c) && c.kind === 'observability' && isObj(c.config) && isObj(c.config.policy)) componentPolicies.set(`/plugins/components/${i}`, readPolicy(c.config.policy, policy));
  });
  // Schema problems first, so the readers below do not report the same thing again.
  issues.push(...applyPolicy(problems, (path) => componentPolicies.get(componentOf(path)) ?? policy));
  let sawObservability = false;
  let sawAdaptive = false;
  components.forEach((c, i) => {
    if (!isObj(c) || typeof c.kind !== 'string') return; // schema issue already reported
    const path = `/plugins/components/${i}`;
    const enabled = c.enabled !== false;
    const cfg = isObj(c.config) ? c.config : {};
    const scopes = [path, `${path}/config`];
    if (c.kind === 'observability') {
      if (sawObservability) return warnDuplicate(issues, path, 'observability');
      sawObservability = true;
      if (!enabled) return;
      readObservability(cfg, `${path}/config`, scopes, config, targets, ctx);
    } else if (c.kind === 'adaptive') {
      if (sawAdaptive) return warnDuplicate(issues, path, 'adaptive');
      sawAdaptive = true;
      config.adaptive = readAdaptive(cfg, enabled, `${path}/config`, policy, issues);
      if (config.adaptive) targets.push({ target: config.adaptive, scopes });
    } else {
      byPolicy(issues, policy.unknownComponent, {
        path: `${path}/kind`,
        expected: `one of ${SUPPORTED_COMPONENTS.join(', ')}`,
        found: JSON.stringify(c.kind),
        message: `unknown component kind ${JSON.stringify(c.kind)} is ignored`,
      });
    }
  });

  const fatal = applyScopes(issues, targets);
  if (sdkDisabled(env)) {
    for (const o of [...config.otlp, ...(config.metrics ? [config.metrics] : []), ...(config.logs ? [config.logs] : [])]) {
      if (!o.enabled) continue;
      o.enabled = false;
      o.disabledReason = 'OTEL_SDK_DISABLED=true';
    }
  }
  return { config, issues: dedupe(issues), invalid: fatal };
}

const DEFAULT_POLICY: PolicyConfig = { unknownComponent: 'warn', unknownField: 'warn', unsupportedValue: 'error' };

function readPolicy(raw: unknown, base: PolicyConfig): PolicyConfig {
  const p = isObj(raw) ? raw : {};
  const b = (v: unknown, d: UnsupportedBehavior): UnsupportedBehavior => (v === 'ignore' || v === 'warn' || v === 'error' ? v : d);
  return {
    unknownComponent: b(p.unknown_component, base.unknownComponent),
    unknownField: b(p.unknown_field, base.unknownField),
    unsupportedValue: b(p.unsupported_value, base.unsupportedValue),
  };
}

function componentOf(path: string): string {
  return /^\/plugins\/components\/\d+/.exec(path)?.[0] ?? '';
}

/** Unknown fields and unsupported values as the policy says; every other schema problem is an error. */
function applyPolicy(problems: SchemaProblem[], policyAt: (path: string) => PolicyConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const { kind, issue } of problems) {
    const p = policyAt(issue.path);
    const behavior: UnsupportedBehavior = kind === 'unknown_field' ? p.unknownField : kind === 'unsupported_value' ? p.unsupportedValue : 'error';
    if (behavior === 'ignore') continue;
    out.push({ ...issue, severity: behavior === 'error' ? 'error' : 'warning' });
  }
  return out;
}

function byPolicy(issues: ConfigIssue[], behavior: UnsupportedBehavior, issue: Omit<ConfigIssue, 'severity'>): void {
  if (behavior === 'ignore') return;
  issues.push({ ...issue, severity: behavior === 'error' ? 'error' : 'warning' });
}

/** Relative paths resolve against OpenClaw's state directory: stable whatever the gateway's cwd. */
export function resolveDir(dir: string, env: Env): string {
  const expanded = dir.startsWith('~/') ? join(env.HOME ?? homedir(), dir.slice(2)) : dir;
  if (isAbsolute(expanded)) return resolve(expanded);
  const state = env.OPENCLAW_STATE_DIR ?? join(env.OPENCLAW_HOME ?? env.HOME ?? homedir(), '.openclaw');
  return resolve(state, expanded);
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

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
