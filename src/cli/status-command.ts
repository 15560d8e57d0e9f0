// `openclaw nemo-relay status`: the human view of nemoRelay.status from the running gateway;
// `--json` prints the raw payload for scripts. Exit 0 only when the plugin is ready: 1 when
// degraded (or disabled / stopped), 2 when the gateway cannot be asked at all.

import type { StatusPayload } from '../status/status.ts';
import type { CliCommand, CliIo } from './command.ts';
import { callGatewayWithOpenClaw, describeTarget, GATEWAY_USAGE, gatewayArgsOrExit, STATUS_METHOD, type GatewayCall } from './gateway.ts';
import { renderStatus, statusExitCode } from './status-render.ts';

export interface StatusCommandDeps {
  /** The OpenClaw config the CLI runs with (to name the gateway URL in errors). */
  config?: unknown;
  call?: GatewayCall;
}

export function statusCommand(deps: StatusCommandDeps = {}): CliCommand {
  const usage = `openclaw nemo-relay status ${GATEWAY_USAGE}`;
  return {
    name: 'status',
    summary: 'Show whether every output really works, what was dropped and what to fix (exit 1 when degraded)',
    usage,
    async run(argv: string[], io: CliIo): Promise<number> {
      const parsed = gatewayArgsOrExit(argv, io, usage);
      if (typeof parsed === 'number') return parsed;
      let payload: unknown;
      try {
        payload = await (deps.call ?? callGatewayWithOpenClaw)(STATUS_METHOD, parsed.target);
      } catch (err) {
        io.err(`${unreachableText(describeTarget(parsed.target, deps.config), err)}\n`);
        return 2;
      }
      if (!isStatus(payload)) {
        io.err(`${STATUS_METHOD} answered something that is not a nemo-relay status payload: ${JSON.stringify(payload).slice(0, 300)}\n`);
        return 2;
      }
      io.out(parsed.json ? `${JSON.stringify(payload, null, 2)}\n` : renderStatus(payload));
      return statusExitCode(payload);
    },
  };
}

export function unreachableText(url: string, err: unknown): string {
  const msg = errorText(err);
  if (/unknown method/i.test(msg)) {
    return `the gateway at ${url} does not know ${STATUS_METHOD}: the nemo-relay plugin is not loaded there (openclaw plugins list; check plugins.allow and plugins.entries["nemo-relay"].enabled, then restart the gateway)\n  ${msg}`;
  }
  return `cannot reach the OpenClaw gateway at ${url}: ${msg}\n  fix: start it (openclaw gateway run), or point the CLI at it with --url / OPENCLAW_GATEWAY_URL and --token / OPENCLAW_GATEWAY_TOKEN`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isStatus(v: unknown): v is StatusPayload {
  const o = v as Partial<StatusPayload> | null;
  return typeof o === 'object' && o !== null && typeof o.state === 'string' && Array.isArray(o.outputs) && typeof o.counters === 'object';
}
