// How a CLI command reaches the running gateway: OpenClaw's own CLI client
// (callGatewayFromCli), which resolves OPENCLAW_GATEWAY_URL / OPENCLAW_GATEWAY_TOKEN, the
// config's gateway.port / gateway.remote and the CLI's paired device, like `openclaw gateway call`.

import { parseArgs } from 'node:util';
import type { CliIo } from './command.ts';

export const STATUS_METHOD = 'nemoRelay.status';

export interface GatewayTarget {
  url?: string;
  token?: string;
  timeoutMs: number;
}

export type GatewayCall = (method: string, target: GatewayTarget) => Promise<unknown>;

/** The options every gateway-backed command takes, next to its own flags. */
export const GATEWAY_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const GATEWAY_USAGE = '[--json] [--url ws://host:port] [--token <token>] [--timeout <ms>]';

export function parseGatewayArgs(argv: string[]): { target: GatewayTarget; json: boolean; help: boolean } {
  const { values } = parseArgs({ args: argv, options: GATEWAY_OPTIONS, allowPositionals: false, strict: true });
  const timeoutMs = values.timeout === undefined ? 15_000 : Number(values.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout: expected a positive number of milliseconds, found ${JSON.stringify(values.timeout)}`);
  const target: GatewayTarget = { timeoutMs };
  if (values.url) target.url = values.url;
  if (values.token) target.token = values.token;
  return { target, json: values.json === true, help: values.help === true };
}

export type GatewayArgs = ReturnType<typeof parseGatewayArgs>;

/**
 * The gateway flags, or the exit code when the command is already answered: bad flags print
 * the error and usage (2), --help prints the usage (0).
 */
export function gatewayArgsOrExit(argv: string[], io: CliIo, usage: string): GatewayArgs | number {
  let parsed: GatewayArgs;
  try {
    parsed = parseGatewayArgs(argv);
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}\n`);
    return 2;
  }
  if (parsed.help) {
    io.out(`usage: ${usage}\n`);
    return 0;
  }
  return parsed;
}

/** The URL a call goes to, for messages only (OpenClaw's client makes the real choice). */
export function describeTarget(target: GatewayTarget, config: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (target.url) return target.url;
  if (env.OPENCLAW_GATEWAY_URL) return env.OPENCLAW_GATEWAY_URL;
  const gw = (config as { gateway?: { port?: unknown; mode?: unknown; remote?: { url?: unknown } } } | undefined)?.gateway;
  if (gw?.mode === 'remote' && typeof gw.remote?.url === 'string') return gw.remote.url;
  const port = typeof gw?.port === 'number' ? gw.port : Number(env.OPENCLAW_GATEWAY_PORT) || 18789;
  return `ws://127.0.0.1:${port}`;
}

/** nemoRelay.status is registered with the operator.admin scope. */
export const callGatewayWithOpenClaw: GatewayCall = async (method, target) => {
  const { callGatewayFromCli } = await import('openclaw/plugin-sdk/gateway-runtime');
  const opts: Record<string, unknown> = { json: true, timeout: String(target.timeoutMs) };
  if (target.url) opts.url = target.url;
  if (target.token) opts.token = target.token;
  return callGatewayFromCli(method, opts, undefined, { scopes: ['operator.admin'] });
};
