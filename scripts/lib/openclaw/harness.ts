// Runs the real OpenClaw CLI and gateway for end-to-end tests, isolated in a fresh temp
// folder: its own HOME, state, config and TMPDIR, loopback only, no update checks.
// Every failure message carries the tail of the relevant logs, because an OpenClaw that
// did not come up says why only in its log. This class only holds one run's folders and
// wires the pieces together; the work is done in the sibling modules.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentTurn,
  chatCompletion,
  gatewayCall,
  gatewayCallScoped,
  type AgentReply,
  type AgentTurnOptions,
  type ChatCompletionOptions,
  type ChatCompletionResult,
  type GatewayCallOptions,
  type ScopedCallResult,
} from './cli.ts';
import { buildConfig, isolatedEnv, type HarnessOptions } from './config.ts';
import { freePort, tailOfFile } from './helpers.ts';
import {
  GatewayProcess,
  ownPids,
  resolveNodeBinary,
  resolveOpenClawEntry,
  runOpenClaw,
  signalPid,
  type CliResult,
  type RunOptions,
  type StopResult,
} from './process.ts';
import { stagePlugins } from './staging.ts';

export class OpenClawHarness {
  readonly dir: string;
  readonly homeDir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly logDir: string;
  /** OpenClaw's own JSONL log (logging.file). */
  readonly gatewayLogPath: string;
  readonly gatewayStdoutPath: string;
  readonly gatewayStderrPath: string;
  readonly port: number;
  readonly token: string;
  readonly env: Record<string, string>;
  readonly nodeBinary: string;
  readonly openclawEntry: string;
  readonly providerId: string;
  readonly modelId: string;
  config: Record<string, unknown>;

  private readonly gateway: GatewayProcess;
  private readonly keep: boolean;

  private constructor(options: HarnessOptions, port: number) {
    this.nodeBinary = resolveNodeBinary();
    this.openclawEntry = resolveOpenClawEntry();
    this.dir = mkdtempSync(join(tmpdir(), 'openclaw-e2e-'));
    this.homeDir = join(this.dir, 'home');
    this.stateDir = join(this.homeDir, '.openclaw');
    this.configPath = join(this.stateDir, 'openclaw.json');
    this.logDir = join(this.dir, 'logs');
    this.gatewayLogPath = join(this.logDir, 'openclaw.log');
    this.gatewayStdoutPath = join(this.logDir, 'gateway.stdout.log');
    this.gatewayStderrPath = join(this.logDir, 'gateway.stderr.log');
    for (const d of [this.homeDir, this.stateDir, this.logDir, join(this.dir, 'tmp')]) mkdirSync(d, { recursive: true });
    this.port = port;
    this.token = randomBytes(16).toString('hex');
    this.providerId = options.providerId ?? 'scripted';
    this.modelId = options.modelId ?? 'scripted-1';
    this.keep = options.keep ?? process.env.OPENCLAW_HARNESS_KEEP === '1';
    this.env = isolatedEnv(this, this.nodeBinary, options.extraEnv);
    const plugins = stagePlugins(options.plugins ?? [], this.dir);
    this.config = buildConfig({ ...options, plugins }, port, this.token, this.gatewayLogPath, this.providerId, this.modelId);
    this.writeConfig();
    this.gateway = new GatewayProcess(this);
  }

  static async create(options: HarnessOptions): Promise<OpenClawHarness> {
    return new OpenClawHarness(options, await freePort());
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get gatewayPid(): number | undefined {
    return this.gateway.pid;
  }

  writeConfig(config: Record<string, unknown> = this.config): void {
    this.config = config;
    writeFileSync(this.configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }

  /**
   * What a failing test wants to see: the gateway's stderr (errors, e.g. "OpenClaw config is
   * invalid"), its readable stdout log, then the JSONL log (logging.file), which says the
   * same in more detail.
   */
  logTail(bytes = 6000): string {
    return [
      `--- ${this.gatewayStderrPath} (tail)`,
      tailOfFile(this.gatewayStderrPath, bytes / 2),
      `--- ${this.gatewayStdoutPath} (tail)`,
      tailOfFile(this.gatewayStdoutPath, bytes),
      `--- ${this.gatewayLogPath} (tail)`,
      tailOfFile(this.gatewayLogPath, bytes / 2),
    ].join('\n');
  }

  /** Runs `openclaw <args>` to completion with the isolated env. */
  async run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    return await runOpenClaw(this, args, options);
  }

  /** Starts `openclaw gateway run` and resolves once GET /readyz answers 200. */
  async startGateway(options: { timeoutMs?: number } = {}): Promise<{ pid: number; readyMs: number }> {
    return await this.gateway.start(options);
  }

  /** Sends `signal` to the gateway and waits until no gateway of this harness is left. */
  async stopGateway(signal: NodeJS.Signals = 'SIGTERM', options: { timeoutMs?: number } = {}): Promise<StopResult> {
    return await this.gateway.stop(signal, options);
  }

  /** Every live process started with this harness's state dir (gateway, CLI, helpers). */
  ownPids(): Array<{ pid: number; command: string }> {
    return ownPids(this.stateDir);
  }

  async agentTurn(options: AgentTurnOptions): Promise<CliResult<AgentReply>> {
    return await agentTurn(this, options);
  }

  async gatewayCall<T = unknown>(method: string, params?: Record<string, unknown>, options: GatewayCallOptions = {}): Promise<CliResult<T>> {
    return await gatewayCall<T>(this, method, params, options);
  }

  async gatewayCallScoped<T = unknown>(method: string, params: Record<string, unknown>, scopes: string[], options: RunOptions = {}): Promise<ScopedCallResult<T>> {
    return await gatewayCallScoped<T>(this, method, params, scopes, options);
  }

  async chatCompletion(options: ChatCompletionOptions): Promise<ChatCompletionResult> {
    return await chatCompletion(this, options);
  }

  /** Stops a running gateway (SIGTERM, then SIGKILL) and removes the temp folder unless kept. */
  async cleanup(): Promise<void> {
    if (this.gateway.running) {
      try {
        await this.stopGateway('SIGTERM', { timeoutMs: 20_000 });
      } catch {
        // stopGateway already SIGKILLed what it could find
      }
    }
    for (const { pid } of this.ownPids()) signalPid(pid, 'SIGKILL');
    if (this.keep) {
      process.stderr.write(`[openclaw-harness] kept ${this.dir}\n`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
