// The export queue's memory stage: spans waiting to be encoded (references to frozen runs,
// counted by their estimated encoded size) and encoded requests waiting or in flight
// (counted by their bytes), both against one byte budget.

import { JobBacklog } from './job-encoder.ts';
import type { Held } from './export-queue-types.ts';

export class MemoryStage {
  readonly backlog = new JobBacklog();
  readonly budget: number;
  private fifo: Held[] = [];
  /** Encoded request bytes in memory, waiting and in flight (until `release`). */
  encodedBytes = 0;
  /** Encoded bytes handed to the spool and not yet on disk. */
  spoolingBytes = 0;
  /** The most encoded bytes memory ever held for sending (never above the budget but for one request larger than all of it). */
  peakBytes = 0;
  /** The size of the last request encoded: the guess for the next one. */
  lastRequestBytes = 0;

  constructor(budget: number) {
    this.budget = Math.max(1, budget);
  }

  /** Everything memory holds for this queue, estimate included. */
  get heldBytes(): number {
    return this.encodedBytes + this.spoolingBytes + this.backlog.bytes;
  }

  /** Whether `bytes` more fit beside what is held. */
  fits(bytes: number): boolean {
    return this.heldBytes + bytes <= this.budget;
  }

  /**
   * Without a disk: whether another request can be encoded into memory within the budget.
   * With nothing held there is always room, so a request larger than the budget still moves.
   */
  roomToEncode(): boolean {
    return this.encodedBytes === 0 || this.encodedBytes + this.lastRequestBytes <= this.budget;
  }

  get requests(): number {
    return this.fifo.length;
  }

  get spans(): number {
    let n = 0;
    for (const b of this.fifo) n += b.spans;
    return n;
  }

  push(batch: Held): void {
    this.fifo.push(batch);
    this.encodedBytes += batch.bytes.length;
    this.notePeak();
  }

  /** The oldest waiting request, for sending; its bytes stay counted until `release`. */
  take(): Held | undefined {
    return this.fifo.shift();
  }

  /** A taken request that will be retried: still the oldest. */
  putBack(batch: Held): void {
    this.fifo.unshift(batch);
  }

  release(batch: Held): void {
    this.encodedBytes -= batch.bytes.length;
  }

  /** Every waiting request, removed and released (shutdown hands them to the spool). */
  takeAll(): Held[] {
    const all = this.fifo;
    this.fifo = [];
    for (const b of all) this.release(b);
    return all;
  }

  spooling(bytes: number): void {
    this.spoolingBytes += bytes;
  }

  spooled(bytes: number): void {
    this.spoolingBytes -= bytes;
  }

  private notePeak(): void {
    this.peakBytes = Math.max(this.peakBytes, this.encodedBytes);
  }
}
