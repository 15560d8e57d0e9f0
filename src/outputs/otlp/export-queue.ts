// The path from a finished run to the collector, bounded in bytes, durable on disk.
//
//   offer(job) ──> backlog (references to frozen runs, counted by estimated encoded size)
//     └─ lane: build + protobuf-encode one request at a time ──> EncodedBatch
//          ├─ fits the memory budget ──> memory FIFO ──┐
//          └─ otherwise ──> disk spool (spool/) ───────┴─> sender (export-sender.ts)
//
// One byte budget covers what memory holds (export-memory.ts): encoded requests waiting or in
// flight, requests on their way to disk, and the estimate of what waits to be encoded. Over
// budget, the oldest waiting spans are encoded at once and go to the spool; nothing is
// dropped for a span count. A span is dropped only when it cannot be kept: no usable spool
// (none configured, locked, full disk, unwritable) while memory is over budget, or the
// spool's own max_bytes / max_age; every drop is counted by reason. At shutdown whatever is
// still in memory goes to the spool, a request at a time, for the next process. Delivery is
// at least once: a request in flight at shutdown is also spooled.

import type { BackgroundLane } from '../../fanout/lane.ts';
import { IMMEDIATE_LANE } from '../../fanout/lane.ts';
import { encodeSpans } from './job-encoder.ts';
import type { ExportJob } from './job-encoder.ts';
import { MemoryStage } from './export-memory.ts';
import { persistAll } from './export-persist.ts';
import { ExportSender } from './export-sender.ts';
import type { ExportQueueOptions, ExportQueueStats, Held } from './export-queue-types.ts';
import type { Spool } from './spool/spool.ts';
import { releaseNow } from '../../util/release-buffer.ts';

export type { EncodedBatch, ExportJob } from './job-encoder.ts';
export type { ExportQueueOptions, ExportQueueStats } from './export-queue-types.ts';

/** Spool writes in flight at most before encoding waits for the disk. */
const MAX_SPOOL_WRITES = 2;
/** Requests encoded straight to the spool by one offer over budget, at most. */
const SPILL_PER_OFFER = 2;

export class ExportQueue {
  private readonly o: ExportQueueOptions & { maxExportBatchBytes: number; spool: Spool | undefined; lane: BackgroundLane };
  private readonly memory: MemoryStage;
  private readonly sender: ExportSender;
  private encoding = false;
  private spoolWrites = 0;
  private stopped = false;
  /** persistSync ran: shutdown and process exit hand over at most once. */
  private persisted = false;
  private delayTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private dropped = 0;
  private readonly droppedBy: Record<string, number> = {};

  constructor(opts: ExportQueueOptions) {
    this.o = {
      maxExportBatchBytes: 4 * 1024 * 1024,
      ...opts,
      spool: opts.spool,
      lane: opts.lane ?? IMMEDIATE_LANE,
      maxQueueSize: Math.max(1, Math.floor(opts.maxQueueSize)),
      maxExportBatchSize: Math.max(1, Math.floor(opts.maxExportBatchSize)),
    };
    this.memory = new MemoryStage(opts.memoryBudgetBytes);
    this.sender = new ExportSender({
      transport: opts.transport,
      spool: opts.spool,
      memory: this.memory,
      concurrency: opts.concurrency ?? 2,
      timeoutMillis: opts.timeoutMillis,
      maxAgeMs: opts.maxAgeMs ?? Number.POSITIVE_INFINITY,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      now: opts.now,
      describeError: opts.describeError,
      drop: (reason, spans) => this.drop(reason, spans),
      settled: () => {
        if (!this.encoding && !this.backlog.empty && !this.stopped) this.encodeSoon();
        this.notify();
      },
    });
    // What a previous process spooled goes out as soon as the collector takes it.
    if (this.o.spool && this.o.spool.waiting > 0) setImmediate(() => this.sender.pump());
  }

  private get backlog() {
    return this.memory.backlog;
  }

  /**
   * Never throws, never waits for I/O. Constant time unless memory is over budget, when it
   * encodes a request or two to the spool (the sink calls it on the lane, see spillOver).
   */
  offer(job: ExportJob): boolean {
    const count = Math.max(0, Math.floor(job.count));
    if (count === 0) return true;
    if (this.stopped) return this.drop('stopped', count), false;
    const estimate = this.backlog.estimate(count);
    // Without a disk to spill to, the budget is the bound: the newest is what goes. A job
    // offered to an empty backlog is always taken (its estimate may be off; once encoded, its
    // real size decides).
    if (!this.o.spool?.usable && !this.backlog.empty && !this.memory.fits(estimate)) return this.drop('memory_budget', count), false;
    this.backlog.push(job, estimate);
    this.spillOver();
    // Past max_queue_size spans: encode the oldest now rather than after the batch delay.
    if (!this.memory.fits(0) || this.backlog.spans > this.o.maxQueueSize) this.encodeSoon();
    else this.scheduleEncode();
    return true;
  }

  /**
   * Over budget with a usable spool: the oldest waiting spans are encoded here and now and
   * handed to the spool, a request or two per offer. The sink offers on the lane, in the unit
   * that finished the run, so this is lane time, charged to the lane's share like any other;
   * queued as units of their own, these encodes would wait behind every run still being
   * finalized while the backlog grew past the budget.
   */
  private spillOver(): void {
    for (let i = 0; i < SPILL_PER_OFFER && !this.memory.fits(0) && this.spoolWrites < MAX_SPOOL_WRITES * 2; i++) {
      if (!this.o.spool?.usable || this.backlog.empty) return;
      const batch = this.encodeNext();
      if (!batch) return;
      this.toSpool(this.o.spool, batch);
    }
  }

  /** Counts spans dropped outside the queue (e.g. by the spool). */
  drop(reason: string, spans: number): void {
    this.dropped += spans;
    this.droppedBy[reason] = (this.droppedBy[reason] ?? 0) + spans;
  }

  snapshot(): ExportQueueStats {
    const s = this.sender.stats;
    return {
      ...s,
      ...(s.lastError ? { lastError: { ...s.lastError } } : {}),
      dropped: this.dropped,
      droppedBy: { ...this.droppedBy },
      backlog: this.backlog.spans,
      memory: {
        spans: this.memory.spans,
        bytes: this.memory.encodedBytes,
        requests: this.memory.requests,
        backlogBytes: this.backlog.bytes,
        spoolingBytes: this.memory.spoolingBytes,
        peakBytes: this.memory.peakBytes,
      },
      inFlight: this.sender.inFlight,
      inFlightSpans: this.sender.inFlightSpans,
    };
  }

  /** Epoch ms of the next attempt while backing off. */
  get nextAttemptAt(): number | undefined {
    return this.sender.nextAttemptAt;
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

  /** For shutdown and process 'exit': see export-persist.ts. */
  persistSync(sendSync: ((request: Uint8Array) => boolean) | undefined, reason = 'exit'): void {
    if (this.persisted) return;
    this.persisted = true;
    this.stopped = true;
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.sender.stop();
    persistAll({ spool: this.o.spool, sender: this.sender, memory: this.memory, encodeNext: () => this.encodeNext(), drop: (r, n) => this.drop(r, n) }, sendSync, reason);
    this.notify();
  }

  // --- encoding and the hand-off to memory or disk --------------------------------------

  /** The next request, encoded; undefined once nothing waits. Never throws. */
  private encodeNext(): Held | undefined {
    for (;;) {
      const spans = this.backlog.next(this.o.maxExportBatchSize, this.o.maxExportBatchBytes, (e, n) => this.buildFailed(e, n));
      if (spans.length === 0) return undefined;
      let bytes: Uint8Array;
      try {
        bytes = encodeSpans(spans);
      } catch (error) {
        // A value the encoder cannot write: that request's spans are lost, counted; the rest go on.
        this.buildFailed(error, spans.length);
        continue;
      }
      this.backlog.learn(bytes.length, spans.length);
      this.memory.lastRequestBytes = bytes.length;
      return { bytes, spans: spans.length, created: this.o.now() };
    }
  }

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
      while (!this.backlog.empty && !this.persisted) {
        // The disk is behind, or (without a disk) the next request would not fit beside what
        // memory holds: wait for a write or a send to settle.
        if (this.spoolWrites >= MAX_SPOOL_WRITES || (!this.o.spool?.usable && !this.memory.roomToEncode())) break;
        const batch = await this.o.lane.run(() => (this.persisted ? undefined : this.encodeNext()));
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
    const parked = this.sender.retrying && spool?.usable === true;
    if (!parked && this.memory.fits(batch.bytes.length)) {
      this.memory.push(batch);
      this.sender.pump();
      return;
    }
    if (!spool?.usable) {
      // No disk: a request that fits memory on its own still waits there rather than being lost.
      if (this.memory.encodedBytes + batch.bytes.length <= this.memory.budget) {
        this.memory.push(batch);
        return this.sender.pump();
      }
      return this.drop('memory_budget', batch.spans);
    }
    this.toSpool(spool, batch);
  }

  private toSpool(spool: Spool, batch: Held): void {
    this.spoolWrites++;
    const size = batch.bytes.length;
    this.memory.spooling(size);
    void spool.write(batch.bytes, batch.spans, batch.created).then((ok) => {
      this.spoolWrites--;
      this.memory.spooled(size);
      // On disk (or dropped): this request is read again only from its segment.
      releaseNow(batch.bytes);
      if (!ok) this.drop('spool_unavailable', batch.spans);
      this.sender.pump();
      if (!this.encoding && !this.backlog.empty && !this.persisted) this.encodeSoon();
      this.notify();
    });
  }

  private buildFailed(error: unknown, spans: number): void {
    this.sender.stats.failedSpans += spans;
    this.sender.noteError(error);
  }

  // --- flush bookkeeping --------------------------------------------------------------

  private idle(): boolean {
    if (this.encoding || this.spoolWrites > 0) return false;
    // Parked: the collector is not accepting; what waits is safe in memory or on disk (spans
    // not yet encoded included, when memory has no room to encode them and no disk to spill to).
    if (this.sender.retrying && this.sender.inFlight === 0) return this.backlog.empty || !this.o.spool?.usable;
    return this.backlog.empty && this.memory.requests === 0 && this.sender.inFlight === 0 && (this.o.spool?.waiting ?? 0) === 0;
  }

  private notify(): void {
    if (this.waiters.length === 0 || !this.idle()) return;
    for (const w of this.waiters.splice(0)) w();
  }
}
