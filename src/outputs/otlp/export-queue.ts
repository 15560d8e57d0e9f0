// The bounded, batching queue between the fan-out and the OTLP exporter.
//
// Why not the SDK's BatchSpanProcessor: it counts queue-full drops only in a private field,
// cannot report exported/failed counts or queue depth, and wants spans already built. Here
// the sink enqueues a *job* (a finished run's planned spans, a closed session) with its exact
// span count: O(1), no serialization. Spans are built from the job on the export path, one batch at a
// time, and at most one export request is in flight, so a slow or dead endpoint costs a
// full queue and counted drops, never a slower hook.
//
// The CPU side of an export (building a job's spans, serializing a batch) runs on the
// runtime's background lane, one job or one batch per unit, so it yields to hooks under load.
// A batch is also cut by size: LLM spans carry whole conversations and tool schemas (hundreds
// of kB each), and one unit must stay short.

import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { IMMEDIATE_LANE } from '../../fanout/lane.ts';
import type { BackgroundLane } from '../../fanout/lane.ts';

export interface ExportJob {
  /** Exactly the number of spans `build` returns, counted when it is enqueued (queue accounting is in spans). */
  readonly count: number;
  build(): ReadableSpan[];
}

export interface ExportQueueOptions {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  timeoutMillis: number;
  now: () => number;
  /** Turns an export or build error into a message safe for health (no secrets). */
  describeError: (error: unknown) => string;
  /** Where building and serializing run (default: next turn of the loop). */
  lane?: BackgroundLane;
  /** A batch stops growing once its attribute text reaches this many bytes (default 4 MiB). */
  maxExportBatchBytes?: number;
}

export interface ExportQueueStats {
  exported: number;
  /** Failed export requests (and failed span builds). */
  failures: number;
  /** Spans lost in failed requests or builds (not counted in `dropped`). */
  failedSpans: number;
  /** Spans refused because the queue was full or the queue was stopped, or abandoned at shutdown. */
  dropped: number;
  /** Spans waiting (not yet handed to the exporter). */
  queued: number;
  inFlight: number;
  lastSuccessTime?: number;
  lastError?: { time: number; message: string };
  /** A failure happened and no success followed it yet. */
  degraded: boolean;
}

interface Entry {
  job: ExportJob;
  accepted: number;
}

export class ExportQueue {
  private readonly exporter: SpanExporter;
  private readonly opts: ExportQueueOptions;
  private jobs: (Entry | undefined)[] = [];
  private head = 0;
  private ready: ReadableSpan[] = [];
  /** Approximate size of each span in `ready` (its attribute text), to cut batches by size. */
  private readySizes: number[] = [];
  /** A cycle (build, then one request) is under way. */
  private exporting = false;
  private readonly lane: BackgroundLane;
  private readonly maxBatchBytes: number;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  // Every accepted span is eventually settled (exported, failed or abandoned); FIFO order
  // makes "settled >= accepted-at-flush-time" the exact flush condition.
  private accepted = 0;
  private settled = 0;
  private waiters: { target: number; resolve: () => void }[] = [];
  private readonly stats: ExportQueueStats = {
    exported: 0,
    failures: 0,
    failedSpans: 0,
    dropped: 0,
    queued: 0,
    inFlight: 0,
    degraded: false,
  };

  constructor(exporter: SpanExporter, opts: ExportQueueOptions) {
    this.exporter = exporter;
    this.lane = opts.lane ?? IMMEDIATE_LANE;
    this.maxBatchBytes = Math.max(1, opts.maxExportBatchBytes ?? 4 * 1024 * 1024);
    this.opts = {
      ...opts,
      maxQueueSize: Math.max(1, Math.floor(opts.maxQueueSize)),
      maxExportBatchSize: Math.max(1, Math.min(Math.floor(opts.maxExportBatchSize), Math.floor(opts.maxQueueSize))),
      scheduledDelayMillis: Math.max(0, opts.scheduledDelayMillis),
      timeoutMillis: Math.max(1, opts.timeoutMillis),
    };
  }

  /**
   * Called from the sink (on the lane): constant time, never throws, never waits. A job larger than
   * the free space is taken in part (its first spans: the run before its children) and the
   * rest counted as dropped.
   */
  offer(job: ExportJob): boolean {
    const count = Math.max(0, Math.floor(job.count));
    if (count === 0) return true;
    if (this.stopped) {
      this.stats.dropped += count;
      return false;
    }
    const take = Math.min(count, this.opts.maxQueueSize - this.stats.queued);
    if (take <= 0) {
      this.stats.dropped += count;
      return false;
    }
    this.stats.dropped += count - take;
    this.jobs.push({ job, accepted: take });
    this.stats.queued += take;
    this.accepted += take;
    this.schedule();
    return take === count;
  }

  snapshot(): ExportQueueStats {
    return { ...this.stats, ...(this.stats.lastError ? { lastError: { ...this.stats.lastError } } : {}) };
  }

  /** Resolves when every span accepted before the call is exported or has failed. */
  flush(): Promise<void> {
    if (this.settled >= this.accepted) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ target: this.accepted, resolve }));
    this.kick();
    return done;
  }

  /**
   * Stops accepting, flushes for at most `boundMillis`, then abandons what is left (counted
   * as dropped) so a dead endpoint cannot hold the gateway's exit.
   */
  async shutdown(boundMillis: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    let bound: NodeJS.Timeout | undefined;
    // A ref'd timer on purpose: it keeps the process alive for the flush, and no longer.
    await Promise.race([this.flush(), new Promise<void>((resolve) => (bound = setTimeout(resolve, Math.max(0, boundMillis))))]);
    clearTimeout(bound);
    this.clearTimers();
    const left = this.stats.queued + this.stats.inFlight;
    this.stats.dropped += this.stats.queued;
    this.stats.queued = 0;
    this.jobs = [];
    this.head = 0;
    this.ready = [];
    this.readySizes = [];
    // In-flight spans may still land; either way nobody waits for them any more.
    this.settle(left);
  }

  /**
   * For process 'exit': stops the queue and hands over every waiting span, built now. The
   * caller exports them synchronously and reports back with `settleTaken`.
   */
  takeAll(): ReadableSpan[] {
    this.stopped = true;
    this.clearTimers();
    while (this.fillOne());
    const spans = this.ready;
    this.ready = [];
    this.readySizes = [];
    this.stats.queued -= spans.length;
    return spans;
  }

  settleTaken(count: number, error: string | undefined): void {
    if (count <= 0) return;
    if (error === undefined) {
      this.stats.exported += count;
      this.stats.lastSuccessTime = this.opts.now();
      this.stats.degraded = false;
    } else {
      this.fail(new Error(error), count);
    }
    this.settle(count);
  }

  private schedule(): void {
    if (this.exporting) return;
    if (this.stats.queued >= this.opts.maxExportBatchSize || this.waiters.length > 0) {
      this.kick();
    } else if (this.timer === undefined && this.immediate === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.opts.scheduledDelayMillis);
      // An idle export timer must not keep a finishing process alive.
      this.timer.unref();
    }
  }

  /** Export soon, but never inside the caller's stack (the caller may be a hook handler). */
  private kick(): void {
    if (this.exporting || this.immediate !== undefined) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
  }

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private settle(n: number): void {
    this.settled += n;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.settled >= w.target) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private fail(error: unknown, spans: number): void {
    this.stats.failures++;
    this.stats.failedSpans += spans;
    this.stats.degraded = true;
    this.stats.lastError = { time: this.opts.now(), message: this.opts.describeError(error) };
  }

  /** Builds the next job's spans into `ready`; false when there was no job left. */
  private fillOne(): boolean {
    while (this.head < this.jobs.length) {
      const entry = this.jobs[this.head];
      this.jobs[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      if (!entry) continue;
      let spans: ReadableSpan[];
      try {
        spans = entry.job.build();
      } catch (error) {
        this.stats.queued -= entry.accepted;
        this.fail(error, entry.accepted);
        this.settle(entry.accepted);
        return true;
      }
      // A job builds exactly the `count` spans it was offered with; offer() already counted
      // the part the queue had no room for, and that part is cut here.
      if (spans.length > entry.accepted) {
        spans = spans.slice(0, entry.accepted);
      } else if (spans.length < entry.accepted) {
        const missing = entry.accepted - spans.length;
        this.stats.queued -= missing;
        this.settle(missing);
      }
      for (const s of spans) {
        this.ready.push(s);
        this.readySizes.push(textSize(s));
      }
      return true;
    }
    return false;
  }

  /** Spans at the front of `ready` that make the next request: by count, then by size. */
  private nextBatchLength(): number {
    const max = Math.min(this.ready.length, this.opts.maxExportBatchSize);
    let bytes = 0;
    for (let i = 0; i < max; i++) {
      bytes += this.readySizes[i]!;
      if (bytes >= this.maxBatchBytes) return i + 1;
    }
    return max;
  }

  private readyBytes(): number {
    let bytes = 0;
    for (const b of this.readySizes) bytes += b;
    return bytes;
  }

  private pump(): void {
    if (this.exporting) return;
    this.exporting = true;
    this.cycle().catch((error: unknown) => {
      // Only a defect can get here; the queue must keep going.
      this.exporting = false;
      this.fail(error, 0);
    });
  }

  /** Builds one batch, a job per lane unit, then hands it to the exporter in another unit. */
  private async cycle(): Promise<void> {
    while (this.ready.length < this.opts.maxExportBatchSize && this.readyBytes() < this.maxBatchBytes && this.head < this.jobs.length) {
      await this.lane.run(() => this.fillOne());
    }
    if (this.ready.length === 0) {
      this.exporting = false;
      if (this.stats.queued > 0) this.schedule();
      return;
    }
    const n = this.nextBatchLength();
    const batch = this.ready.splice(0, n);
    this.readySizes.splice(0, n);
    this.stats.queued -= batch.length;
    this.stats.inFlight = batch.length;

    let finished = false;
    const finish = (result: ExportResult): void => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      this.exporting = false;
      this.stats.inFlight = 0;
      if (result.code === ExportResultCode.SUCCESS) {
        this.stats.exported += batch.length;
        this.stats.lastSuccessTime = this.opts.now();
        this.stats.degraded = false;
      } else {
        this.fail(result.error ?? new Error('export failed'), batch.length);
      }
      // Shutdown already settled whatever was in flight when it gave up.
      if (!this.stopped || this.settled < this.accepted) this.settle(batch.length);
      if (this.stats.queued > 0) this.schedule();
    };
    // The exporter bounds each request by timeoutMillis (retries included); this guard only
    // covers a server that trickles bytes forever, which resets the socket idle timer.
    const guard = setTimeout(
      () => finish({ code: ExportResultCode.FAILED, error: new Error(`export did not finish within ${this.opts.timeoutMillis} ms`) }),
      this.opts.timeoutMillis + 2000,
    );
    guard.unref();
    // The exporter serializes the batch synchronously inside export(): that is the unit.
    await this.lane.run(() => {
      try {
        this.exporter.export(batch, finish);
      } catch (error) {
        finish({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
  }
}

/** Bytes of attribute text a span carries: what dominates its serialized size. */
function textSize(span: ReadableSpan): number {
  let n = 64;
  for (const key in span.attributes) {
    const v = span.attributes[key];
    n += key.length + (typeof v === 'string' ? v.length : 8);
  }
  return n;
}
