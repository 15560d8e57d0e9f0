// The export queue's sender: at most `concurrency` requests in flight, memory first, then the
// oldest spool segment. A failed send is retried with backoff (the server's Retry-After
// wins) and holds every further send until then; a request the server refuses for good
// (400, 401, 413, ...) is counted as failed; one older than max_age is dropped unsent.

import { DEFAULT_BACKOFF, backoffDelay } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import type { ExportTransport, SendResult } from './export-transport.ts';
import type { Held, SenderStats } from './export-queue-types.ts';
import type { MemoryStage } from './export-memory.ts';
import type { Spool, SpoolSegment } from './spool/spool.ts';
import { releaseNow } from '../../util/release-buffer.ts';

export interface SenderOptions {
  transport: ExportTransport;
  spool: Spool | undefined;
  memory: MemoryStage;
  concurrency: number;
  timeoutMillis: number;
  maxAgeMs: number;
  backoff?: BackoffOptions;
  now: () => number;
  describeError: (error: unknown) => string;
  drop: (reason: string, spans: number) => void;
  /** After every settled request: the queue encodes more and wakes its flush waiters. */
  settled: () => void;
}

export class ExportSender {
  private readonly o: SenderOptions;
  /** Memory-held requests being sent: spooled too if the process stops before they settle. */
  private readonly flying = new Set<Held>();
  inFlight = 0;
  inFlightSpans = 0;
  private failuresInARow = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  readonly stats: SenderStats = { exported: 0, failures: 0, failedSpans: 0, degraded: false };

  constructor(o: SenderOptions) {
    this.o = o;
  }

  /** The collector refused the last attempt and the next one is scheduled. */
  get retrying(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Epoch ms of the next attempt while backing off. */
  get nextAttemptAt(): number | undefined {
    return this.retryTimer ? this.retryAt : undefined;
  }

  pump(): void {
    if (this.retryTimer) return;
    while (this.inFlight < this.o.concurrency) {
      const batch = this.o.memory.take();
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

  /** Shutdown: the memory requests in flight, handed over (to the spool) and no longer ours. */
  handOver(): Held[] {
    const all = [...this.flying];
    this.flying.clear();
    for (const b of all) this.o.memory.release(b);
    return all;
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  sent(batch: Held): void {
    this.stats.exported += batch.spans;
    this.stats.lastSuccessTime = this.o.now();
    this.stats.degraded = false;
    this.failuresInARow = 0;
    delete this.stats.retryingSince;
  }

  noteError(error: unknown): void {
    this.stats.failures++;
    this.stats.degraded = true;
    this.stats.lastError = { time: this.o.now(), message: this.o.describeError(error) };
  }

  private async sendSegment(segment: SpoolSegment): Promise<void> {
    const content = await this.o.spool!.read(segment);
    if (!content) {
      this.inFlight--;
      this.pump();
      this.o.settled();
      return;
    }
    await this.sendOne({ ...content, segment }, false);
  }

  private async sendOne(batch: Held, fromMemory: boolean): Promise<void> {
    this.inFlightSpans += batch.spans;
    let result: SendResult;
    if (this.o.now() - batch.created > this.o.maxAgeMs) {
      this.o.drop('max_age', batch.spans);
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
    if (fromMemory && !this.flying.delete(batch)) return this.o.settled();
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
      this.retryLater(backoffDelay(this.failuresInARow, this.o.backoff ?? DEFAULT_BACKOFF, result.retryAfterMs));
      if (batch.segment) this.o.spool!.unclaim(batch.segment);
      else {
        // Back at the front: it is still the oldest request in memory.
        this.o.memory.putBack(batch);
        fromMemory = false;
      }
    }
    if (fromMemory) this.o.memory.release(batch);
    // Settled for good: nothing reads these bytes again (a shutdown hand-over returned above).
    if (result.kind !== 'retry' && !result.requestInUse) releaseNow(batch.bytes);
    if (batch.segment && result.kind !== 'retry') await this.o.spool!.remove(batch.segment);
    this.pump();
    this.o.settled();
  }

  private retryLater(delayMs: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryAt = this.o.now() + delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delayMs);
    this.retryTimer.unref();
  }
}
