// Spawning and stopping OpenClaw processes: one-shot CLI runs and the long-lived gateway,
// its readiness, and finding every process a harness started (by its state dir) so none
// outlives the test.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { httpStatus, parseJsonOutput, waitFor } from './helpers.ts';
import { REPO_ROOT } from './paths.ts';

export interface CliResult<T = unknown> {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** stdout parsed as JSON when it holds a JSON document, else undefined. */
  json: T | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface StopResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
}

export const DEFAULT_CLI_TIMEOUT_MS = 180_000;
// ~25 s on an idle 2-core machine; minutes when the machine is shared with other work.
const DEFAULT_READY_TIMEOUT_MS = 240_000;
const DEFAULT_STOP_TIMEOUT_MS = 60_000;

/** OpenClaw 2026.9.6 refuses Node outside >=24.16 <25 or >=26.1. */
export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return (major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26;
}

export function resolveNodeBinary(): string {
  const fromEnv = process.env.OPENCLAW_HARNESS_NODE;
  if (fromEnv) return fromEnv;
  if (isSupportedNode(process.versions.node)) return process.execPath;
  throw new Error(
    `OpenClaw needs Node >=24.16 <25 or >=26.1, this is ${process.version}. ` +
      'Run the tests with Node 24 first in PATH, or set OPENCLAW_HARNESS_NODE to a Node 24 binary.',
  );
}

export function resolveOpenClawEntry(): string {
  const bin = join(REPO_ROOT, 'node_modules', '.bin', 'openclaw');
  if (!existsSync(bin)) throw new Error(`openclaw is not installed: ${bin} is missing (npm ci?)`);
  // .bin/openclaw is a symlink to openclaw.mjs; node wants the real script.
  return realpathSync(bin);
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

// The gateway runs in its own process group so that it can be stopped with its helpers;
// that also lets it outlive a test process that dies without cleanup. Take it down on any
// orderly exit of this process (a SIGKILLed test runner still leaks it).
const liveGateways = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveGateways) killGroup(child, 'SIGKILL');
});

/** What a process needs to run OpenClaw for one harness. */
export interface OpenClawProcessSpec {
  readonly nodeBinary: string;
  readonly openclawEntry: string;
  /** The run's folder, used as cwd. */
  readonly dir: string;
  readonly env: Record<string, string>;
  logTail(bytes?: number): string;
}

/** Runs `openclaw <args>` to completion; throws (with the log tails) only on timeout. */
export async function runOpenClaw(spec: OpenClawProcessSpec, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS;
  // Own process group, so a timeout can take down whatever the CLI started.
  const child = spawn(spec.nodeBinary, [spec.openclawEntry, ...args], {
    cwd: spec.dir,
    env: { ...spec.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.once('error', fail);
    child.once('close', (code, sig) => done([code, sig]));
  }).finally(() => clearTimeout(timer));
  const durationMs = Date.now() - started;
  if (timedOut) {
    throw new Error(
      `openclaw ${args.join(' ')} timed out after ${timeoutMs} ms\n--- stderr\n${stderr.slice(-4000)}\n--- stdout\n${stdout.slice(-2000)}\n${spec.logTail()}`,
    );
  }
  return { exitCode, signal, json: parseJsonOutput(stdout), stdout, stderr, durationMs };
}

/** Every live process started with `stateDir` as OPENCLAW_STATE_DIR (gateway, CLI, helpers). */
export function ownPids(stateDir: string): Array<{ pid: number; command: string }> {
  if (!existsSync('/proc')) return [];
  const marker = `OPENCLAW_STATE_DIR=${stateDir}`;
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(marker)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // A zombie is already dead; it only waits for its parent to reap it.
      if (/\) Z /.test(state)) continue;
      found.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function ownGatewayPids(stateDir: string): number[] {
  return ownPids(stateDir)
    .filter((p) => p.command.startsWith('openclaw-gateway') || p.command.includes(' gateway run '))
    .map((p) => p.pid);
}

export interface GatewaySpec extends OpenClawProcessSpec {
  readonly port: number;
  readonly stateDir: string;
  readonly gatewayStdoutPath: string;
  readonly gatewayStderrPath: string;
}

/** One harness's `openclaw gateway run`: at most one at a time. */
export class GatewayProcess {
  private readonly spec: GatewaySpec;
  private child: ChildProcess | undefined;
  private exit: Promise<StopResult> | undefined;

  constructor(spec: GatewaySpec) {
    this.spec = spec;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts `openclaw gateway run` and resolves once GET /readyz answers 200. */
  async start(options: { timeoutMs?: number } = {}): Promise<{ pid: number; readyMs: number }> {
    if (this.child) throw new Error('gateway already running');
    const { spec } = this;
    const started = Date.now();
    const out = openSync(spec.gatewayStdoutPath, 'a');
    const err = openSync(spec.gatewayStderrPath, 'a');
    const child = spawn(spec.nodeBinary, [spec.openclawEntry, 'gateway', 'run', '--port', String(spec.port), '--bind', 'loopback'], {
      cwd: spec.dir,
      env: spec.env,
      stdio: ['ignore', out, err],
      detached: true,
    });
    closeSync(out);
    closeSync(err);
    this.child = child;
    liveGateways.add(child);
    this.exit = new Promise<StopResult>((done) => {
      child.once('exit', (code, signal) => {
        liveGateways.delete(child);
        done({ exitCode: code, signal, durationMs: 0 });
      });
    });
    let exited: StopResult | undefined;
    void this.exit.then((r) => (exited = r));

    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    try {
      await waitFor(
        async () => {
          // A gateway that re-executed itself lives on under a new pid; only a gateway
          // that is really gone is a failed start.
          if (exited && ownGatewayPids(spec.stateDir).length === 0) {
            throw new Error(`gateway exited before ready (code ${exited.exitCode}, signal ${exited.signal})\n${spec.logTail()}`);
          }
          return (await httpStatus(`http://127.0.0.1:${spec.port}/readyz`)) === 200;
        },
        { timeoutMs, intervalMs: 300, what: `gateway /readyz on port ${spec.port} (${timeoutMs} ms)`, context: () => spec.logTail() },
      );
    } catch (error) {
      killGroup(child, 'SIGKILL');
      for (const pid of ownGatewayPids(spec.stateDir)) signalPid(pid, 'SIGKILL');
      this.child = undefined;
      throw error;
    }
    return { pid: child.pid ?? -1, readyMs: Date.now() - started };
  }

  /**
   * Sends `signal` to the gateway and waits until no gateway of this harness is left.
   * OpenClaw can re-execute itself into a new session (seen after a startup migration);
   * such a process escapes our process group, so it is found by its state dir instead.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', options: { timeoutMs?: number } = {}): Promise<StopResult> {
    const child = this.child;
    const exit = this.exit;
    if (!child || !exit) throw new Error('gateway is not running');
    const { spec } = this;
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const signalled = new Set<number>();
    const signalGateways = () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined && !signalled.has(child.pid)) {
        signalled.add(child.pid);
        child.kill(signal);
      }
      for (const pid of ownGatewayPids(spec.stateDir)) {
        if (signalled.has(pid)) continue;
        signalled.add(pid);
        signalPid(pid, signal);
      }
    };
    signalGateways();
    let result: StopResult | undefined;
    void exit.then((r) => (result = r));
    try {
      await waitFor(
        () => {
          signalGateways();
          return result !== undefined && ownGatewayPids(spec.stateDir).length === 0;
        },
        { timeoutMs, intervalMs: 200, what: `the gateway to exit after ${signal} (${timeoutMs} ms)`, context: () => spec.logTail() },
      );
    } catch (error) {
      killGroup(child, 'SIGKILL');
      for (const pid of ownGatewayPids(spec.stateDir)) signalPid(pid, 'SIGKILL');
      throw error;
    } finally {
      this.child = undefined;
      this.exit = undefined;
    }
    // Helpers the gateway started may outlive it; they belong to this test.
    killGroup(child, 'SIGKILL');
    const final = result as StopResult;
    return { exitCode: final.exitCode, signal: final.signal, durationMs: Date.now() - started };
  }
}
