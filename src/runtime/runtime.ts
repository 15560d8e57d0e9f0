// The composition root: config, engine, lane and outputs, and the counters status reads,
// shared by every plugin instance OpenClaw creates (see global.ts). Hook handlers land in
// `dispatch`, which stamps the arrival time, parses, feeds the engine and returns; the engine
// finishes runs on the lane and the fan-out delivers them to the outputs there.

import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { CorrelationEngine } from '../correlate/engine.ts';
import { randomIds, type IdSource } from '../correlate/ids.ts';
import { parseOnce } from '../ingest/parse-once.ts';
import type { SinkHealth, TraceSink } from '../fanout/sink.ts';
import { createOutputs, type OutputEntry } from '../outputs/registry.ts';
import { SessionSamplingGate } from '../outputs/sampling-gate.ts';
import { CapturePolicy } from '../trace/capture.ts';
import { createEnrichStage, type EnrichStage } from '../enrich/stage.ts';
import { fanOut } from '../fanout/fanout.ts';
import { BackgroundLane } from '../fanout/lane.ts';
import { HostMonitor } from '../status/host-health.ts';
import { SUBSCRIBED_HOOKS } from '../ingest/hook-names.ts';
import { MALFORMED_SAMPLES_CAP } from '../util/caps.ts';
import type { AtofJournal } from '../outputs/atof/index.ts';
import { createJournal, journalHealth } from './journal-wiring.ts';
import { SessionDirectory } from '../annotate/directory.ts';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface RuntimeOptions {
  rawConfig: unknown;
  env?: Record<string, string | undefined>;
  logger: Logger;
  pluginVersion: string;
  openclawVersion?: string;
  now?: () => number;
  ids?: IdSource;
  /** The output registry to build outputs from for a valid, enabled config (none by default). */
  outputs?: readonly OutputEntry[];
  /** Sessions keep delivered runs as summaries (default true; tests compare with it off). */
  releaseContent?: boolean;
}

export type RuntimeState = 'ready' | 'disabled' | 'stopped';

export interface MalformedRecord {
  hook: string;
  problems: string[];
  at: string;
}



export class Runtime {
  readonly loaded: LoadedConfig;
  readonly engine: CorrelationEngine;
  /** Everything the fan-out delivers to, in order: the enrich stage, then the outputs. */
  readonly sinks: TraceSink[];
  /** The enrich stage (adaptive learner) when configured. */
  readonly enrich?: EnrichStage;
  /** The ATOF hook journal (`atof`) when configured: fed by dispatch, shut down after the sinks. */
  readonly journal?: AtofJournal;
  readonly pluginVersion: string;
  openclawVersion?: string;
  readonly startedAt: number;
  readonly hookCounts: Record<string, number> = Object.create(null) as Record<string, number>;
  /** Events skipped whole or fields dropped, by hook. */
  readonly malformedCounts: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly malformedSamples: MalformedRecord[] = [];
  /** Hook deliveries skipped because the same event object already reached another instance. */
  duplicateDeliveries = 0;
  internalErrors = 0;
  lastInternalError?: { time: string; message: string };
  readonly registrations: Record<string, number> = Object.create(null) as Record<string, number>;
  conversationAccessConfigured?: boolean;
  stopped = false;
  /** The per-session sampling decision (trace outputs; ATIF when opted in), counted for status. */
  readonly sampling: SessionSamplingGate;
  /** Where the outputs' CPU work runs: it yields to hooks while they keep arriving. */
  readonly lane = new BackgroundLane();
  /** The event loop's delay and the lane's longest unit, for status. */
  readonly host = new HostMonitor(this.lane);
  /** Identities of recent sessions, for nemoRelay.annotate (first sink; not an output). */
  readonly directory = new SessionDirectory();

  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly seen = new Map<string, WeakSet<object>>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private stopping?: Promise<void>;

  constructor(opts: RuntimeOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger;
    this.pluginVersion = opts.pluginVersion;
    this.openclawVersion = opts.openclawVersion;
    this.startedAt = this.now();
    this.loaded = loadConfig(opts.rawConfig, opts.env ?? process.env);
    for (const issue of this.loaded.issues) {
      const line = `nemo-relay config ${issue.severity}: ${issue.path}: expected ${issue.expected}, found ${issue.found}${issue.message ? ` (${issue.message})` : ''}`;
      if (issue.severity === 'error') this.logger.error(line);
      else this.logger.warn(line);
    }
    if (this.loaded.invalid) {
      this.logger.error('nemo-relay: the config has errors; the plugin stays loaded but exports nothing until they are fixed (see nemoRelay.status)');
    }
    const sinks: TraceSink[] = [this.directory];
    this.sinks = sinks;
    this.sampling = new SessionSamplingGate(this.loaded.config.sampling);
    const output = fanOut(sinks, (err, where) => this.internalError(err, where));
    this.engine = new CorrelationEngine({
      correlation: this.loaded.config.correlation,
      capture: new CapturePolicy(this.loaded.config.capture),
      ids: opts.ids ?? randomIds(),
      output,
      defer: (work) => {
        this.lane.run(work).catch((err: unknown) => this.internalError(err));
      },
      // Open sessions hold run summaries; the ATIF sink keeps a run's content until it is serialized.
      releaseContent: opts.releaseContent ?? true,
      // Only the OpenInference session span reads a session's first prompt and last answer.
      keepSessionIo: this.loaded.config.otlp.some((o) => o.enabled && o.projection !== 'gen_ai'),
    });
    const active = this.loaded.config.enabled && !this.loaded.invalid;
    if (active) {
      this.enrich = createEnrichStage(this.loaded.config.adaptive);
      if (this.enrich) sinks.push(this.enrich);
      const enrichment = this.enrich;
      sinks.push(
        ...createOutputs(this.loaded.config, {
          pluginVersion: this.pluginVersion,
          openclawVersion: this.openclawVersion ?? 'unknown',
          lane: this.lane,
          env: opts.env ?? process.env,
          hookEvents: () => this.hookEventTotal(),
          outputs: () => this.sinks,
          sampling: this.sampling,
          ...(enrichment ? { enrichment } : {}),
        }, opts.outputs ?? []),
      );
      this.journal = createJournal(this.loaded.config, new CapturePolicy(this.loaded.config.capture));
    }
    for (const hook of SUBSCRIBED_HOOKS) this.hookCounts[hook] = 0;
  }

  get enabled(): boolean {
    return this.loaded.config.enabled;
  }

  get state(): RuntimeState {
    if (!this.loaded.config.enabled) return 'disabled';
    if (this.stopped) return 'stopped';
    return 'ready';
  }

  /** Entry point of every hook handler. Never throws, never awaits. */
  dispatch(hook: string, event: unknown, ctx: unknown): void {
    if (!this.loaded.config.enabled) return;
    const at = this.now();
    this.lane.noteHook();
    try {
      this.hookCounts[hook] = (this.hookCounts[hook] ?? 0) + 1;
      if (typeof event === 'object' && event !== null) {
        let set = this.seen.get(hook);
        if (!set) this.seen.set(hook, (set = new WeakSet()));
        if (set.has(event)) {
          this.duplicateDeliveries++;
          this.hookCounts[hook]--;
          return;
        }
        set.add(event);
      }
      if (this.journal) {
        this.journal.openclawVersion ??= this.openclawVersion;
        this.journal.record(hook, event, ctx, at);
      }
      const parsed = parseOnce(hook, event, ctx, at);
      if (parsed.problems.length > 0) this.recordMalformed(hook, parsed.problems, at);
      if (parsed.event) {
        this.engine.handle(parsed.event);
      }
      this.schedule(at);
    } catch (err) {
      this.internalError(err);
    }
  }

  /** Closes every session and flushes outputs, bounded by `timeoutMs`. Idempotent. */
  stop(reason: string, timeoutMs = 5000): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    try {
      this.engine.closeAll(this.now(), reason);
    } catch (err) {
      this.internalError(err);
    }
    if (this.timer) clearTimeout(this.timer);
    this.host.stop();
    // The last exports are what stands between the gateway and its exit: no more holding back.
    this.lane.hurry();
    // The runs and sessions just closed reach the outputs through the lane: let them, then shut down.
    const flush = this.lane
      .settled()
      .then(() => Promise.allSettled(this.sinks.map((s) => s.shutdown())))
      .then(() => this.journal?.shutdown())
      .then(() => undefined, (err: unknown) => this.internalError(err, 'atof.shutdown'));
    let bound: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((res) => {
      bound = setTimeout(res, timeoutMs);
      bound.unref();
    });
    this.stopping = Promise.race([flush, limit]).finally(() => clearTimeout(bound));
    return this.stopping;
  }

  /** Process 'exit': no event loop is left, so close sessions and let sinks write synchronously. */
  exitSync(): void {
    if (!this.stopped) {
      this.stopped = true;
      try {
        this.engine.closeAll(this.now(), 'process_exit');
      } catch (err) {
        this.internalError(err);
      }
    }
    // Finished runs and closed sessions still queued on the lane reach the outputs now.
    this.lane.drainSync();
    for (const sink of this.sinks) {
      try {
        sink.flushSync?.();
      } catch (err) {
        this.internalError(err, `${sink.name}.flushSync`);
      }
    }
    try {
      this.journal?.exitSync();
    } catch (err) {
      this.internalError(err, 'atof.exitSync');
    }
  }

  /** Flushes every output without closing sessions (tests, status refresh). */
  async flush(): Promise<void> {
    // Runs whose last event already arrived are finalized on the next timer turn; a flush
    // means "everything that happened so far", so it does that turn now.
    if (!this.stopped && this.engine.nextDeadline() <= this.now()) this.tick();
    await this.lane.settled();
    await Promise.allSettled(this.sinks.map((s) => s.flush()));
    await this.journal?.flush().catch((err: unknown) => this.internalError(err, 'atof.flush'));
  }

  /** Hook events counted so far, all hooks together (read by status and metrics, not per hook). */
  hookEventTotal(): number {
    let n = 0;
    for (const hook in this.hookCounts) n += this.hookCounts[hook] ?? 0;
    return n;
  }

  sinkHealth(): SinkHealth[] {
    return [...this.sinks.filter((s) => s !== this.directory).map((s) => this.healthOf(s)), ...journalHealth(this.journal)];
  }

  private healthOf(s: TraceSink): SinkHealth {
    try {
        return s.health();
      } catch (err) {
        return {
          name: s.name,
          enabled: true,
          state: 'degraded' as const,
          exported: 0,
          unit: 'messages' as const,
          failures: 1,
          dropped: 0,
          queueDepth: 0,
          lastError: { time: new Date().toISOString(), message: `health() failed: ${String(err)}` },
        };
    }
  }

  /** Drives the engine's grace and TTL deadlines (tests call it directly). */
  tick(): void {
    this.timerAt = Infinity;
    this.timer = undefined;
    try {
      this.engine.advance(this.now());
    } catch (err) {
      this.internalError(err);
    }
    this.schedule(this.now());
  }

  private schedule(now: number): void {
    if (this.stopped) return;
    const due = this.engine.nextDeadline();
    if (!Number.isFinite(due) || due >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = due;
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - now));
    // Observability must never keep a finished CLI process alive.
    this.timer.unref();
  }

  private recordMalformed(hook: string, problems: string[], at: number): void {
    this.malformedCounts[hook] = (this.malformedCounts[hook] ?? 0) + 1;
    this.malformedSamples.push({ hook, problems: problems.slice(0, 5), at: new Date(at).toISOString() });
    if (this.malformedSamples.length > MALFORMED_SAMPLES_CAP) this.malformedSamples.shift();
  }

  internalError(err: unknown, where = 'dispatch'): void {
    this.internalErrors++;
    const message = `${where}: ${err instanceof Error ? err.message : String(err)}`;
    this.lastInternalError = { time: new Date().toISOString(), message };
    // Rate-limited: a broken payload stream must not flood the gateway log.
    if (this.internalErrors <= 10 || this.internalErrors % 1000 === 0) this.logger.warn(`nemo-relay internal error (#${this.internalErrors}) ${message}`);
  }
}
