// One observability component (config versions 1, 3, 4) -> the ATIF, ATOF, trace, metrics and
// logs parts of NemoRelayConfig, each registered with the JSON pointers whose errors switch
// it off.

import type { EndpointContext } from './endpoint.ts';
import { readLogs, readMetrics } from './signals.ts';
import { type Obj, isObj, str } from './read.ts';
import type { Target } from './scope.ts';
import { readAtifStorage, readAtof } from './storage.ts';
import { readTraceOutputs } from './traces.ts';
import type { AtifConfig, NemoRelayConfig } from './types.ts';
import { notImplementedIssues } from './unimplemented.ts';

export const OBSERVABILITY_VERSIONS = [1, 2, 3, 4];

export function readObservability(cfg: Obj, path: string, componentScopes: string[], config: NemoRelayConfig, targets: Target[], ctx: EndpointContext): void {
  if (typeof cfg.version === 'number' && !OBSERVABILITY_VERSIONS.includes(cfg.version)) {
    ctx.issues.push({
      path: `${path}/version`,
      expected: 'one of 1, 3, 4',
      found: `the number ${cfg.version}`,
      severity: 'warning',
      message: `observability config version ${cfg.version} is read as version 4`,
    });
  }
  config.enableFullPayloads = cfg.enable_full_payloads === true;
  ctx.issues.push(...notImplementedIssues(cfg, path));

  const atifRaw = isObj(cfg.atif) ? cfg.atif : undefined;
  if (atifRaw && atifRaw.enabled !== false) {
    const atifPath = `${path}/atif`;
    const atifScopes = [...componentScopes, atifPath];
    const storage = readAtifStorage(atifRaw, atifPath, ctx);
    config.atif = { ...readAtif(atifRaw, ctx), storage: storage.map((s) => s.value) };
    targets.push({ target: config.atif, scopes: atifScopes });
    for (const s of storage) targets.push({ target: s.value, scopes: [...atifScopes, ...s.scopes] });
  }

  const atof = readAtof(cfg, path, ctx);
  if (atof) {
    config.atof = atof.value;
    const scopes = [...componentScopes, ...atof.scopes];
    targets.push({ target: atof.value, scopes });
    atof.value.sinks.forEach((s, i) => targets.push({ target: s, scopes: [...scopes, ...atof.sinkScopes[i]!] }));
  }

  for (const { output, scopes } of readTraceOutputs(cfg, path, ctx)) {
    config.otlp.push(output);
    targets.push({ target: output, scopes: [...componentScopes, ...scopes] });
  }

  // Every list entry owns its errors, also one that could not be built (not an object, an
  // unknown type): its errors must not fall to the section and switch its siblings off.
  for (const list of ['atif/storage', 'atof/sinks', 'opentelemetry/endpoints', 'opentelemetry/metrics/endpoints', 'opentelemetry/logs/endpoints']) {
    const entries = listAt(cfg, list);
    entries.forEach((_, i) => targets.push({ target: { enabled: false }, scopes: [`${path}/${list}/${i}`] }));
  }

  const otel = isObj(cfg.opentelemetry) ? cfg.opentelemetry : undefined;
  if (!otel) return;
  const otelPath = `${path}/opentelemetry`;
  const metrics = readMetrics(otel, otelPath, ctx);
  if (metrics) config.metrics = metrics.value;
  const logs = readLogs(otel, otelPath, ctx);
  if (logs) config.logs = logs.value;
  for (const section of [metrics, logs]) {
    if (!section) continue;
    const scopes = [...componentScopes, ...section.scopes];
    targets.push({ target: section.value, scopes });
    section.value.endpoints.forEach((e, i) => targets.push({ target: e, scopes: [...scopes, ...section.endpointScopes[i]!] }));
  }
}

function readAtif(a: Obj, ctx: EndpointContext): Omit<AtifConfig, 'storage'> {
  const dir = typeof a.output_directory === 'string' ? a.output_directory : './nemo-relay-atif';
  return {
    enabled: true,
    agentName: str(a.agent_name) ?? 'openclaw',
    outputDirectory: ctx.resolvePath(dir),
    filenameTemplate: str(a.filename_template) ?? '{session_id}.json',
    ...(str(a.agent_version) ? { agentVersion: str(a.agent_version)! } : {}),
    ...(str(a.model_name) ? { modelName: str(a.model_name)! } : {}),
    ...(Array.isArray(a.tool_definitions) ? { toolDefinitions: a.tool_definitions.filter(isObj) } : {}),
    ...(isObj(a.extra) ? { extra: a.extra } : {}),
  };
}

function listAt(cfg: Obj, path: string): unknown[] {
  let cur: unknown = cfg;
  for (const key of path.split('/')) cur = isObj(cur) ? cur[key] : undefined;
  return Array.isArray(cur) ? cur : [];
}
