// `openclaw nemo-relay doctor`: checks what makes traces arrive, from the config the CLI runs
// with and from the running gateway when it answers: conversation access, every configured
// endpoint (reachable, TLS, auth), the ATIF directory (writable, free space), Node and
// OpenClaw versions. Prints the fix for each problem; exit 1 on any failure.

import { loadConfig } from '../config/load.ts';
import type { StatusPayload } from '../status/status.ts';
import type { CliCommand, CliIo } from './command.ts';
import {
  checkAtifDirectory,
  checkConversationAccess,
  checkModelsEndpoint,
  checkNode,
  checkOpenClaw,
  checkOtlpEndpoint,
  type Finding,
} from './doctor-checks.ts';
import { checkGrpcEndpoint } from './doctor-grpc.ts';
import { callGatewayWithOpenClaw, describeTarget, GATEWAY_USAGE, gatewayArgsOrExit, STATUS_METHOD, type GatewayCall } from './gateway.ts';
import { errorText } from './status-command.ts';

const PLUGIN_ID = 'nemo-relay';

export interface DoctorCommandDeps {
  /** The OpenClaw config (openclaw.json) the CLI runs with. */
  config?: unknown;
  call?: GatewayCall;
  /** OpenClaw's version when the gateway does not answer (the CLI's own). */
  openclawVersion?: string;
  env?: NodeJS.ProcessEnv;
}

export function doctorCommand(deps: DoctorCommandDeps = {}): CliCommand {
  const usage = `openclaw nemo-relay doctor ${GATEWAY_USAGE}`;
  return {
    name: 'doctor',
    summary: 'Check conversation access, every endpoint, the ATIF directory, Node and OpenClaw; print the fix for each problem',
    usage,
    async run(argv: string[], io: CliIo): Promise<number> {
      const parsed = gatewayArgsOrExit(argv, io, usage);
      if (typeof parsed === 'number') return parsed;
      const findings = await diagnose(deps, parsed.target);
      if (parsed.json) io.out(`${JSON.stringify({ ok: !findings.some((f) => f.verdict === 'fail'), findings }, null, 2)}\n`);
      else io.out(renderFindings(findings));
      return findings.some((f) => f.verdict === 'fail') ? 1 : 0;
    },
  };
}

export async function diagnose(deps: DoctorCommandDeps, target: Parameters<GatewayCall>[1]): Promise<Finding[]> {
  const env = deps.env ?? process.env;
  const findings: Finding[] = [checkNode()];
  const entry = pluginEntry(deps.config);

  let status: StatusPayload | undefined;
  const url = describeTarget(target, deps.config, env);
  try {
    status = (await (deps.call ?? callGatewayWithOpenClaw)(STATUS_METHOD, target)) as StatusPayload;
    findings.push({ check: 'gateway', verdict: 'ok', detail: `${url} answers ${STATUS_METHOD}: ${status.state}` });
  } catch (err) {
    findings.push({
      check: 'gateway',
      verdict: 'warn',
      detail: `${url} did not answer ${STATUS_METHOD}: ${errorText(err).split('\n')[0]}`,
      fix: 'start the gateway (openclaw gateway run) or pass --url/--token; the checks below use the config only',
    });
  }
  findings.push(checkOpenClaw(status?.openclaw.version ?? deps.openclawVersion));

  if (!entry) {
    findings.push({ check: 'plugin entry', verdict: 'fail', detail: 'plugins.entries["nemo-relay"] is missing from openclaw.json', fix: 'add plugins.entries["nemo-relay"] with enabled: true and its config (see the README), and "nemo-relay" to plugins.allow' });
  } else if (entry.enabled === false) {
    findings.push({ check: 'plugin entry', verdict: 'fail', detail: 'plugins.entries["nemo-relay"].enabled is false', fix: 'set plugins.entries["nemo-relay"].enabled = true' });
  }
  const access = entry?.hooks?.allowConversationAccess;
  findings.push(checkConversationAccess(typeof access === 'boolean' ? access : undefined, status?.hooks.conversationAccess.observed));

  const loaded = loadConfig(entry?.config, env);
  for (const issue of loaded.issues) {
    findings.push({
      check: `config ${issue.path || '/'}`,
      verdict: issue.severity === 'error' ? 'fail' : 'warn',
      detail: issue.message,
      fix: `expected ${issue.expected}, found ${issue.found}`,
    });
  }
  const cfg = loaded.config;
  if (cfg.atif?.enabled) findings.push(checkAtifDirectory(cfg.atif.outputDirectory));
  // Each endpoint the way its exporter talks to it: gRPC with an empty Export call, HTTP with an empty POST.
  const probes: Promise<Finding>[] = cfg.otlp.filter((o) => o.enabled).map((o) => (o.transport === 'grpc' ? checkGrpcEndpoint(o, 'traces') : checkOtlpEndpoint(o)));
  for (const [signal, section] of [['metrics', cfg.metrics], ['logs', cfg.logs]] as const) {
    if (!section?.enabled) continue;
    for (const e of section.endpoints) if (e.enabled) probes.push(e.transport === 'grpc' ? checkGrpcEndpoint(e, signal) : checkOtlpEndpoint(e, 5000, signal));
  }
  const dynamo = dynamoProvider(deps.config);
  if (dynamo) probes.push(checkModelsEndpoint('dynamo', dynamo.baseUrl, dynamo.apiKey ?? env.DYNAMO_API_KEY));
  findings.push(...(await Promise.all(probes)));
  if (!cfg.atif?.enabled && !cfg.otlp.some((o) => o.enabled)) {
    findings.push({ check: 'outputs', verdict: 'warn', detail: 'no output is enabled: traces go nowhere', fix: 'enable atif or an OTLP output in the observability component' });
  }
  return findings;
}

export function renderFindings(findings: Finding[]): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
  const lines = findings.map((f) => `${mark[f.verdict]} ${f.check}: ${f.detail}${f.fix && f.verdict !== 'ok' ? `\n     fix: ${f.fix}` : ''}`);
  const failed = findings.filter((f) => f.verdict === 'fail').length;
  const warned = findings.filter((f) => f.verdict === 'warn').length;
  lines.push('', failed ? `${failed} problem(s) to fix${warned ? `, ${warned} warning(s)` : ''}.` : warned ? `No failures, ${warned} warning(s).` : 'All checks passed.');
  return `${lines.join('\n')}\n`;
}

interface PluginEntry {
  enabled?: unknown;
  hooks?: { allowConversationAccess?: unknown };
  config?: unknown;
}

function pluginEntry(config: unknown): PluginEntry | undefined {
  const e = (config as { plugins?: { entries?: Record<string, unknown> } } | undefined)?.plugins?.entries?.[PLUGIN_ID];
  return e && typeof e === 'object' ? (e as PluginEntry) : undefined;
}

function dynamoProvider(config: unknown): { baseUrl: string; apiKey?: string } | undefined {
  const p = (config as { models?: { providers?: Record<string, { baseUrl?: unknown; apiKey?: unknown }> } } | undefined)?.models?.providers?.dynamo;
  if (!p || typeof p.baseUrl !== 'string') return undefined;
  return typeof p.apiKey === 'string' ? { baseUrl: p.baseUrl, apiKey: p.apiKey } : { baseUrl: p.baseUrl };
}
