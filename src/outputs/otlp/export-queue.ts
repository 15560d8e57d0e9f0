// The path from a finished run to the collector, bounded in bytes, durable on disk.
//
//   offer(job) ──> backlog (references to frozen runs, O(1) on the hook path)
//     └─ lane: build + protobuf-encode one request at a time ──> EncodedBatch
//          ├─ fits the memory budget ──> memory FIFO ──┐
//          └─ otherwise ──> disk spool (spool.ts) ─────┴─> sender (≤ `concurrency` in flight)
//
// The encoded request bytes are the unit of accounting: memory holds at most
// `memoryBudgetBytes` of them (waiting and in flight); the rest is written to the spool, and
// only when the spool is unavailable (none configured, locked, full disk, unwritable) is a
// request dropped, counted by reason. A failed send is retried with backoff (the server's
// Retry-After wins); a request the server refuses for good (400, 401, 413, ...) is counted
// as failed. At shutdown whatever is still in memory goes to the spool, for the next process.
// Delivery is at least once: a request in flight at shutdown is also spooled.

import type { BackgroundLane } from '../../fanout/lane.ts';
import { IMMEDIATE_LANE } from '../../fanout/lane.ts';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { JobBacklog, encodeSpans } from './job-encoder.ts';
import type { EncodedBatch, ExportJob } from './job-encoder.ts';
import type { Spool, SpoolSegment } from './spool/spool.ts';
import type { ExportTransport, SendResult } from './export-transport.ts';

export type { EncodedBatch, ExportJob } from './job-encoder.ts';

export interface ExportQueueOptions {
  /** Spans waiting to be encoded at most (they hold references, not copies); more are dropped. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  timeoutMillis: number;
  /** Encoded request bytes held in memory at most (waiting and in flight). */
  memoryBudgetBytes: number;
  now: () => number;
  describeError: (error: unknown) => string;
  transport: ExportTransport;
  spool?: Spool | undefined;
  /** Requests in flight at most (default 2). */
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Memory-held requests older than this are dropped as `max_age` (the spool applies its own). */
  maxAgeMs?: number;
  lane?: BackgroundLane;
  /** A request stops growing once its attribute text reaches this many bytes (default 4 MiB). */
  maxExportBatchBytes?: number;
}

export interface ExportQueueStats {
  exported: number;
  /** Failed requests: every failed attempt, retried or not. */
  failures: number;
  /** Spans in requests the server refused for good, or whose build failed. */
  failedSpans: number;
  /** Spans dropped, all reasons together (see droppedBy). */
  dropped: number;
  droppedBy: Record<string, number>;
  /** Spans not yet encoded. */
  backlog: number;
  memory: { spans: number; bytes: number; requests: number };
  /** Requests in flight, and the spans they carry. */
  inFlight: number;
  inFlightSpans: number;
  retryingSince?: number;
  lastSuccessTime?: number;
  lastError?: { time: number; message: string };
  /** The last attempt failed and no success followed it yet. */
  degraded: boolean;
}

/** At exit, at most this much is posted synchronously when a spool could take it instead. */
const SYNC_SEND_MAX_BYTES = 8 * 1024 * 1024;

interface Held extends EncodedBatch {
  /** Set when the request came from the spool: removed from disk once settled. */
  segment?: SpoolSegment;
}

export class ExportQueue {
  private readonly o: Required<Omit<ExportQueueOptions, 'spool' | 'lane'>> & { spool: Spool | undefined; lane: BackgroundLane };
  private readonly backlog = new JobBacklog();
  private memory: Held[] = [];
  private memoryBytes = 0;
  /** Memory-held requests being sent: spooled too if the process stops before they settle. */
  private readonly flying = new Set<Held>();
  private inFlight = 0;
  private inFlightSpans = 0;
  private encoding = false;
  private spoolWrites = 0;
  private stopped = false;
  /** persistSync ran: shutdown and process exit hand over at most once. */
  private persisted = false;
  private failuresInARow = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private readonly stats: ExportQueueStats = {
    exported: 0, failures: 0, failedSpans: 0, dropped: 0, droppedBy: {}, backlog: 0,
    memory: { spans: 0, bytes: 0, requests: 0 }, inFlight: 0, inFlightSpans: 0, degraded: false,
  };

  constructor(opts: ExportQueueOptions) {
    this.o = {
      maxExportBatchBytes: 4 * 1024 * 1024,
      concurrency: 2,
      backoff: DEFAULT_BACKOFF,
      maxAgeMs: Number.POSITIVE_INFINITY,
      ...opts,
      spool: opts.spool,
      lane: opts.lane ?? IMMEDIATE_LANE,
      maxQueueSize: Math.max(1, Math.floor(opts.maxQueueSize)),
      maxExportBatchSize: Math.max(1, Math.floor(opts.maxExportBatchSize)),
      memoryBudgetBytes: Math.max(1, opts.memoryBudgetBytes),
    };
    // What a previous process spooled goes out as soon as the collector takes it.
    if (this.o.spool && this.o.spool.waiting > 0) setImmediate(() => this.pumpSend());
  }

  /** Called on the hook path: constant time, never throws, never waits. */
  offer(job: ExportJob): boolean {
    const count = Math.max(0, Math.floor(job.count));
    if (count === 0) return true;
    if (this.stopped) return this.drop('stopped', count), false;
    if (this.backlog.spans + count > this.o.maxQueueSize) return this.drop('queue_full', count), false;
    this.backlog.push(job);
    this.scheduleEncode();
    return true;
  }

  /** Counts spans dropped outside the queue (e.g. by the spool). */
  drop(reason: string, spans: number): void {
    this.stats.dropped += spans;
    this.stats.droppedBy[reason] = (this.stats.droppedBy[reason] ?? 0) + spans;
  }

  snapshot(): ExportQueueStats {
    let spans = 0;
    for (const b of this.memory) spans += b.spans;
    return {
      ...this.stats,
      droppedBy: { ...this.stats.droppedBy },
      backlog: this.backlog.spans,
      memory: { spans, bytes: this.memoryBytes, requests: this.memory.length },
      inFlight: this.inFlight,
      inFlightSpans: this.inFlightSpans,
      ...(this.stats.lastError ? { lastError: { ...this.stats.lastError } } : {}),
    };
  }

  /**
   * Resolves once everything offered so far is encoded and either settled (sent, refused,
   * dropped) or parked because the collector is not accepting (in memory or on disk).
   */
  flush(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.encodeSoon();
    return done;
  }

  /** Stops accepting, flushes for at most `boundMillis`, then spools what is left. */
  async shutdown(boundMillis: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    let bound: NodeJS.Timeout | undefined;
    // A ref'd timer on purpose: it keeps the process alive for the flush, and no longer.
    await Promise.race([this.flush(), new Promise<void>((r) => (bound = setTimeout(r, Math.max(0, boundMillis))))]);
    clearTimeout(bound);
    this.persistSync(undefined, 'shutdown');
    this.o.transport.close();
    this.o.spool?.close();
  }

  /**
   * For shutdown and process 'exit': encodes what waits, offers it all to `sendSync` as one
   * request (OTLP requests concatenate: repeated fields merge), and spools what that did not
   * deliver. Requests in flight are spooled too (at least once).
   */
  persistSync(sendSync: ((request: Uint8Array) => boolean) | undefined, reason = 'exit'): void {
    if (this.persisted) return;
    this.persisted = true;
    this.stopped = true;
    this.clearTimers();
    // Requests in flight are spooled too when there is a spool (at least once); without one
    // they are left to land or fail on their own.
    const spooling = this.o.spool?.usable === true;
    const batches: Held[] = spooling ? [...this.flying, ...this.memory] : [...this.memory];
    if (spooling) this.flying.clear();
    for (;;) {
      const spans = this.backlog.next(this.o.maxExportBatchSize, this.o.maxExportBatchBytes, (e, n) => this.buildFailed(e, n));
      if (spans.length === 0) break;
      batches.push({ bytes: encodeSpans(spans), spans: spans.length, created: this.o.now() });
    }
    this.memory = [];
    const own = batches.filter((b) => !b.segment);
    let bytes = 0;
    for (const b of own) bytes += b.bytes.length;
    // A one-shot `openclaw agent --local` run wants its spans now, not at the next start; but
    // a large remainder goes to a usable spool (local, fast) rather than through a child process.
    const trySend = sendSync !== undefined && own.length > 0 && (!spooling || bytes <= SYNC_SEND_MAX_BYTES);
    if (trySend && sendSync(Buffer.concat(own.map((b) => b.bytes)))) {
      for (const b of own) this.sent(b);
      return;
    }
    for (const b of own) {
      if (!this.o.spool?.writeSync(b.bytes, b.spans, b.created)) this.drop(reason, b.spans);
    }
    this.memoryBytes = 0;
    this.notify();
  }


  // --- encoding -----------------------------------------------------------------------

  private scheduleEncode(): void {
    if (this.encoding || this.delayTimer) return;
    if (this.backlog.spans >= this.o.maxExportBatchSize || this.waiters.length > 0) return this.encodeSoon();
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      this.encodeSoon();
    }, this.o.scheduledDelayMillis);
    // An idle export timer must not keep a finishing process alive.
    this.delayTimer.unref();
  }

  private encodeSoon(): void {
    if (this.encoding) return;
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.encoding = true;
    setImmediate(() => void this.encodeLoop());
  }

  /** One request per lane unit: built, encoded and placed (memory or spool). */
  private async encodeLoop(): Promise<void> {
    try {
      while (!this.backlog.empty) {
        // Memory full and the disk behind: wait for a write to land instead of encoding more.
        if (this.memoryBytes >= this.o.memoryBudgetBytes && this.spoolWrites >= 2) break;
        const batch = await this.o.lane.run(() => {
          const spans = this.backlog.next(this.o.maxExportBatchSize, this.o.maxExportBatchBytes, (e, n) => this.buildFailed(e, n));
          return spans.length === 0 ? undefined : { bytes: encodeSpans(spans), spans: spans.length, created: this.o.now() };
        });
        if (batch) this.place(batch);
      }
    } catch (error) {
      // Only a defect can get here; the queue must keep going.
      this.buildFailed(error, 0);
    } finally {
      this.encoding = false;
      this.notify();
    }
  }

  private place(batch: Held): void {
    const spool = this.o.spool;
    // While the collector refuses, new requests go straight to disk: they survive a crash,
    // and memory stays free for when it accepts again.
    const parked = this.retryTimer !== undefined && spool?.usable === true;
    if (!parked && this.memoryBytes + batch.bytes.length <= this.o.memoryBudgetBytes) {
      this.memory.push(batch);
      this.memoryBytes += batch.bytes.length;
      this.pumpSend();
      return;
    }
    if (!spool?.usable) return this.drop('memory_budget', batch.spans);
    this.spoolWrites++;
    void spool.write(batch.bytes, batch.spans, batch.created).then((ok) => {
      this.spoolWrites--;
      if (!ok) this.drop('memory_budget', batch.spans);
      this.pumpSend();
      if (!this.encoding && !this.backlog.empty) this.encodeSoon();
      this.notify();
    });
  }

  private buildFailed(error: unknown, spans: number): void {
    this.stats.failedSpans += spans;
    this.noteError(error);
  }

  // --- sending ------------------------------------------------------------------------

  private pumpSend(): void {
    if (this.retryTimer) return;
    while (this.inFlight < this.o.concurrency) {
      const batch = this.memory.shift();
      if (batch) {
        this.inFlight++;
        this.flying.add(batch);
        void this.sendOne(batch, true);
        continue;
      }
      const segment = this.o.spool?.claimOldest();
      if (!segment) break;
      this.inFlight++;
      void this.sendSegment(segment);
    }
  }

  private async sendSegment(segment: SpoolSegment): Promise<void> {
    const content = await this.o.spool!.read(segment);
    if (!content) {
      this.inFlight--;
      this.pumpSend();
      this.notify();
      return;
    }
    await this.sendOne({ ...content, segment }, false);
  }

  private async sendOne(batch: Held, fromMemory: boolean): Promise<void> {
    this.inFlightSpans += batch.spans;
    let result: SendResult;
    if (this.o.now() - batch.created > this.o.maxAgeMs) {
      this.drop('max_age', batch.spans);
      result = { kind: 'reject', error: 'expired' };
    } else {
      try {
        result = await this.o.transport.send(batch.bytes, this.o.timeoutMillis);
      } catch (error) {
        result = { kind: 'retry', error: this.o.describeError(error) };
      }
    }
    this.inFlight--;
    this.inFlightSpans -= batch.spans;
    // Already handed over by a shutdown that did not wait for this answer (at least once).
    if (fromMemory && !this.flying.delete(batch)) return this.notify();
    if (result.kind === 'ok') {
      this.sent(batch);
    } else if (result.kind === 'reject') {
      if (result.error !== 'expired') {
        this.stats.failedSpans += batch.spans;
        this.noteError(new Error(result.error));
      }
    } else {
      this.noteError(new Error(result.error));
      this.failuresInARow++;
      this.stats.retryingSince ??= this.o.now();
      this.retryLater(backoffDelay(this.failuresInARow, this.o.backoff, result.retryAfterMs));
      if (batch.segment) this.o.spool!.unclaim(batch.segment);
      else {
        // Back at the front: it is still the oldest request in memory.
        this.memory.unshift(batch);
        fromMemory = false;
      }
    }
    if (fromMemory) this.memoryBytes -= batch.bytes.length;
    if (batch.segment && result.kind !== 'retry') await this.o.spool!.remove(batch.segment);
    this.pumpSend();
    if (!this.encoding && !this.backlog.empty && !this.stopped) this.encodeSoon();
    this.notify();
  }

  private sent(batch: Held): void {
    this.stats.exported += batch.spans;
    this.stats.lastSuccessTime = this.o.now();
    this.stats.degraded = false;
    this.failuresInARow = 0;
    delete this.stats.retryingSince;
  }

  private retryLater(delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryAt = this.o.now() + delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pumpSend();
    }, delayMs);
    this.retryTimer.unref();
  }

  /** Epoch ms of the next attempt while backing off. */
  get nextAttemptAt(): number | undefined {
    return this.retryTimer ? this.retryAt : undefined;
  }

  private noteError(error: unknown): void {
    this.stats.failures++;
    this.stats.degraded = true;
    this.stats.lastError = { time: this.o.now(), message: this.o.describeError(error) };
  }

  // --- flush bookkeeping --------------------------------------------------------------

  private idle(): boolean {
    if (!this.backlog.empty || this.encoding || this.spoolWrites > 0) return false;
    // Parked: the collector is not accepting; what waits is safe in memory or on disk.
    if (this.retryTimer && this.inFlight === 0) return true;
    return this.memory.length === 0 && this.inFlight === 0 && (this.o.spool?.waiting ?? 0) === 0;
  }

  private notify(): void {
    if (this.waiters.length === 0 || !this.idle()) return;
    for (const w of this.waiters.splice(0)) w();
  }

  private clearTimers(): void {
    if (this.delayTimer) clearTimeout(this.delayTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.delayTimer = undefined;
    this.retryTimer = undefined;
  }
}
