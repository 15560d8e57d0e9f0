// The ATOF event journal: every hook event the plugin observed, after the capture policy,
// stamped with its arrival time, fanned out to every configured sink.
//
// `record` runs on the hook path and only takes a shallow snapshot (OpenClaw appends to its
// message arrays after the hook returns; the objects and strings inside are not rewritten):
// the capture policy and serialization cost milliseconds on a 250 kB llm_input (tool
// schemas, system prompt), so they run later, in batches with a time budget per turn of the
// event loop. The backlog is bounded by count; past it events are dropped and counted.

import type { SinkHealth } from '../../fanout/sink.ts';
import type { CapturePolicy } from '../../trace/capture.ts';
import type { AtofConfig } from './config.ts';
import { encodeHook } from './encode.ts';
import { AtofFileSink } from './file-sink.ts';
import { AtofStreamSink } from './stream-sink.ts';

export interface AtofJournalOptions {
  /** Hook events waiting to be encoded (default 10000). */
  maxBacklog?: number;
  /** Encoding time per turn of the event loop before yielding (default 8 ms). */
  sliceMs?: number;
}

interface Pending {
  hook: string;
  event: unknown;
  ctx: unknown;
  at: number;
}

export class AtofJournal {
  readonly files: AtofFileSink[];
  readonly streams: AtofStreamSink[];
  private readonly policy: CapturePolicy;
  private readonly maxBacklog: number;
  private readonly sliceMs: number;
  private backlog: Pending[] = [];
  private draining?: Promise<void>;
  private seq = 0;
  /** Records encoded; events dropped before encoding (backlog full); events that could not be encoded. */
  readonly counters = { records: 0, droppedBacklog: 0, encodeErrors: 0 };
  lastEncodeError?: string;
  /** OpenClaw's version once known: recorded on each record so a replay can restore it (ATIF agent.version). */
  openclawVersion?: string;

  constructor(cfg: AtofConfig, policy: CapturePolicy, opts: AtofJournalOptions = {}) {
    this.policy = policy;
    this.maxBacklog = opts.maxBacklog ?? 10_000;
    this.sliceMs = opts.sliceMs ?? 8;
    const on = cfg.enabled ? cfg.sinks : [];
    this.files = on.flatMap((s) => (s.type === 'file' ? [new AtofFileSink(s)] : []));
    this.streams = on.flatMap((s) => (s.type === 'stream' ? [new AtofStreamSink(s)] : []));
  }

  /** Hook path. `at` is the arrival time (epoch ms) the ingest stage stamped. Never throws. */
  record(hook: string, event: unknown, ctx: unknown, at: number): void {
    if (this.files.length === 0 && this.streams.length === 0) return;
    if (this.backlog.length >= this.maxBacklog) {
      this.counters.droppedBacklog += 1;
      return;
    }
    try {
      this.backlog.push({ hook, event: snapshot(event, 3), ctx: snapshot(ctx, 2), at });
    } catch (err) {
      this.encodeFailed(hook, err);
      return;
    }
    this.draining ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    await Promise.all([...this.files.map((f) => f.flush()), ...this.streams.map((s) => s.flush())]);
  }

  async shutdown(): Promise<void> {
    while (this.draining) await this.draining;
    await Promise.allSettled([...this.files.map((f) => f.shutdown()), ...this.streams.map((s) => s.shutdown())]);
  }

  /** Process 'exit': the backlog is encoded now and file sinks append synchronously; streams cannot deliver and count drops. */
  exitSync(): void {
    const left = this.backlog;
    this.backlog = [];
    for (const p of left) this.encode(p);
    for (const f of this.files) f.exitSync();
  }

  private async drain(): Promise<void> {
    try {
      while (this.backlog.length) {
        const until = performance.now() + this.sliceMs;
        while (this.backlog.length && performance.now() < until) this.encode(this.backlog.shift()!);
        if (this.backlog.length) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private encode(p: Pending): void {
    let rec;
    let line: string;
    try {
      rec = encodeHook(this.policy, p.hook, p.event, p.ctx, p.at, ++this.seq);
      if (this.openclawVersion) rec.metadata.openclaw_version = this.openclawVersion;
      line = JSON.stringify(rec);
    } catch (err) {
      this.encodeFailed(p.hook, err);
      return;
    }
    this.counters.records += 1;
    for (const f of this.files) f.write(line);
    for (const s of this.streams) s.write(rec, line);
  }

  private encodeFailed(hook: string, err: unknown): void {
    this.counters.encodeErrors += 1;
    this.lastEncodeError = `${hook}: ${(err as Error)?.message ?? String(err)}`;
  }

  /** One entry per sink; backlog drops and encode errors show on every sink (they were lost for all). */
  health(): SinkHealth[] {
    return [...this.files, ...this.streams].map((s) => {
      const h = s.health();
      h.dropped += this.counters.droppedBacklog + this.counters.encodeErrors;
      h.queueDepth += this.backlog.length;
      h.details = {
        ...h.details,
        records_observed: this.counters.records,
        dropped_backlog_full: this.counters.droppedBacklog,
        encode_errors: this.counters.encodeErrors,
      };
      if (this.counters.encodeErrors && !h.lastError && this.lastEncodeError) h.lastError = { time: new Date().toISOString(), message: this.lastEncodeError };
      return h;
    });
  }
}

/** Copies objects and arrays `depth` levels deep; below that, values are shared. */
function snapshot(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null || depth <= 0) return v;
  if (Array.isArray(v)) return v.map((x) => snapshot(x, depth - 1));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v; // Error, Date, class instances: encoded later as they are
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = snapshot((v as Record<string, unknown>)[k], depth - 1);
  return out;
}
