// Talking to a running OpenClaw the ways a user would: `openclaw agent`, `openclaw gateway
// call`, a scoped gateway call through OpenClaw's own CLI client, and the OpenAI-compatible
// HTTP endpoint. Also the shapes of what those print, as observed in 2026.9.6.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseJsonOutput } from './helpers.ts';
import { REPO_ROOT } from './paths.ts';
import { DEFAULT_CLI_TIMEOUT_MS, type CliResult, type RunOptions } from './process.ts';

export interface AgentTurnOptions extends RunOptions {
  sessionKey: string;
  message: string;
  local?: boolean;
  agentId?: string;
}

export interface GatewayCallOptions extends RunOptions {
  /** Explicit URL; OpenClaw then needs the token passed explicitly (done here). */
  url?: string;
  token?: string;
  /** `openclaw gateway call --timeout` (ms); 60 s unless given. */
  callTimeoutMs?: number;
}

export interface ChatCompletionOptions {
  messages?: Array<{ role: string; content: unknown }>;
  /** Shorthand for one user message. */
  message?: string;
  stream?: boolean;
  /** OpenAI `user`: OpenClaw derives a stable session from it. */
  user?: string;
  /** Sent as x-openclaw-session-key. */
  sessionKey?: string;
  model?: string;
  timeoutMs?: number;
  token?: string;
}

export interface ChatCompletionResult {
  status: number;
  /** Parsed JSON for non-streaming replies. */
  json: unknown;
  /** Raw body (the SSE text for streams). */
  text: string;
  durationMs: number;
}

export interface ScopedCallResult<T = unknown> {
  ok: boolean;
  payload?: T;
  /** e.g. {message: "missing scope: operator.admin", code: "FORBIDDEN", details: {code: "MISSING_SCOPE", ...}} */
  error?: { message: string; code?: string; details?: unknown };
  durationMs: number;
}

/**
 * What `openclaw agent --json` printed in 2026.9.6 (not the envelope its docs describe):
 * through a gateway `{runId, status, summary, result: {payloads, meta}}`; with --local
 * `{payloads, meta, aborted, systemPromptReport}`. Only the fields tests read are typed.
 */
export interface AgentRunResult {
  payloads?: Array<{ text?: string | null; mediaUrl?: string | null }>;
  meta?: {
    durationMs?: number;
    agentMeta?: {
      sessionId?: string;
      provider?: string;
      model?: string;
      usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; total?: number; cost?: { total?: number } };
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface AgentReply extends AgentRunResult {
  runId?: string;
  status?: string;
  summary?: string;
  result?: AgentRunResult;
}

/** The run result of either envelope. */
export function agentRunResult(reply: AgentReply | undefined): AgentRunResult | undefined {
  return reply?.result ?? reply;
}

/** All reply texts of a turn, joined by newlines. */
export function agentReplyText(reply: AgentReply | undefined): string {
  return (agentRunResult(reply)?.payloads ?? []).map((p) => p.text ?? '').join('\n');
}

/** What the calls below need of a harness (OpenClawHarness is one). */
export interface CliHost {
  readonly nodeBinary: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly token: string;
  readonly gatewayUrl: string;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  logTail(bytes?: number): string;
}

/** `openclaw agent [--local] --agent main --session-key K --message M --json`. */
export async function agentTurn(host: CliHost, options: AgentTurnOptions): Promise<CliResult<AgentReply>> {
  const args = ['agent'];
  if (options.local) args.push('--local');
  args.push('--agent', options.agentId ?? 'main', '--session-key', options.sessionKey, '--message', options.message, '--json');
  return (await host.run(args, { timeoutMs: options.timeoutMs, env: options.env })) as CliResult<AgentReply>;
}

/** `openclaw gateway call <method> --json [--params ...]`: stdout is the method's payload. */
export async function gatewayCall<T = unknown>(host: CliHost, method: string, params?: Record<string, unknown>, options: GatewayCallOptions = {}): Promise<CliResult<T>> {
  // OpenClaw's default is 10 s; a gateway finishing runs on a shared 2-core machine can take longer.
  const args = ['gateway', 'call', method, '--json', '--timeout', String(options.callTimeoutMs ?? 60_000)];
  if (params !== undefined) args.push('--params', JSON.stringify(params));
  if (options.url) args.push('--url', options.url, '--token', options.token ?? host.token);
  else if (options.token) args.push('--token', options.token);
  return (await host.run(args, options)) as CliResult<T>;
}

/**
 * Calls a gateway method as a client holding only `scopes`. `openclaw gateway call`
 * always asks for the full operator set (admin included) for a plugin method and has no
 * --scopes flag, and a WebSocket client without a device identity is granted no scopes
 * at all; OpenClaw's own CLI client (`callGatewayFromCli` from
 * openclaw/plugin-sdk/gateway-runtime, with the CLI's paired device) does take scopes.
 */
export async function gatewayCallScoped<T = unknown>(
  host: CliHost,
  method: string,
  params: Record<string, unknown>,
  scopes: string[],
  options: RunOptions = {},
): Promise<ScopedCallResult<T>> {
  const sdk = join(REPO_ROOT, 'node_modules', 'openclaw', 'dist', 'plugin-sdk', 'gateway-runtime.js');
  const script = [
    'const { callGatewayFromCli } = await import(process.env.HARNESS_SDK);',
    'const [method, params, scopes] = JSON.parse(process.env.HARNESS_CALL);',
    'let out;',
    "try { out = { ok: true, payload: await callGatewayFromCli(method, { json: true, timeout: '30000' }, params, { scopes }) }; }",
    'catch (e) { out = { ok: false, error: { message: String(e?.message ?? e), code: e?.gatewayCode ?? e?.code, details: e?.details } }; }',
    'process.stdout.write(JSON.stringify(out));',
    'process.exit(0);',
  ].join('\n');
  const started = Date.now();
  const child = spawn(host.nodeBinary, ['--input-type=module', '-e', script], {
    cwd: host.dir,
    env: { ...host.env, ...options.env, HARNESS_SDK: sdk, HARNESS_CALL: JSON.stringify([method, params, scopes]) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  await new Promise<void>((done) => child.once('close', () => done())).finally(() => clearTimeout(timer));
  const parsed = parseJsonOutput(stdout) as Omit<ScopedCallResult<T>, 'durationMs'> | undefined;
  if (!parsed) throw new Error(`scoped gateway call ${method} produced no result\n--- stderr\n${stderr.slice(-3000)}\n${host.logTail(3000)}`);
  return { ...parsed, durationMs: Date.now() - started };
}

/** POST /v1/chat/completions on the gateway, authenticated with the gateway token. */
export async function chatCompletion(host: CliHost, options: ChatCompletionOptions): Promise<ChatCompletionResult> {
  const messages = options.messages ?? [{ role: 'user', content: options.message ?? '' }];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.token ?? host.token}`,
  };
  if (options.sessionKey) headers['x-openclaw-session-key'] = options.sessionKey;
  const body: Record<string, unknown> = { model: options.model ?? 'openclaw', messages, stream: options.stream ?? false };
  if (options.user) body.user = options.user;
  const started = Date.now();
  const response = await fetch(`${host.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, durationMs: Date.now() - started };
}
