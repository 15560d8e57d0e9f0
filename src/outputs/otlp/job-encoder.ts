// Jobs (a finished run's planned spans, a closed session) waiting to be serialized, and the
// cut into export requests. A job holds only references to the frozen run snapshot, so it
// costs no copy; its spans are rendered and protobuf-encoded here, a batch at a time, and
// from then on the encoded request bytes are what the queue counts against its budget.
//
// Until then a job is counted by an estimate of its encoded size: its span count times the
// encoded bytes per span of the requests encoded so far (a moving average). The estimate is
// what the queue weighs against its byte budget, so a burst of large runs spills to disk
// before it is encoded into memory, whatever the span count.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';

import { encodeTraceRequest } from './span-encoder.ts';

export interface ExportJob {
  /** Exactly the number of spans `build` returns. */
  readonly count: number;
  build(): ReadableSpan[];
}

export interface EncodedBatch {
  /** A serialized ExportTraceServiceRequest, sent and stored as-is. */
  bytes: Uint8Array;
  spans: number;
  /** Epoch ms it was encoded: max_age counts from here. */
  created: number;
}

export function encodeSpans(spans: ReadableSpan[]): Uint8Array {
  return encodeTraceRequest(spans);
}

/** Bytes of attribute text a span carries: what dominates its serialized size. */
export function textSize(span: ReadableSpan): number {
  let n = 64;
  for (const key in span.attributes) {
    const v = span.attributes[key];
    n += key.length + (typeof v === 'string' ? v.length : 8);
  }
  return n;
}

/** Before any request was encoded: a span with a modest conversation on it. */
const FIRST_GUESS_BYTES_PER_SPAN = 8 * 1024;

interface Waiting {
  job: ExportJob;
  /** Its share of `bytes`, fixed when it was offered. */
  estimate: number;
}

export class JobBacklog {
  private jobs: (Waiting | undefined)[] = [];
  private head = 0;
  /** Spans built but not yet in a batch (a job larger than one batch). */
  private carry: ReadableSpan[] = [];
  private carryBytes = 0;
  private perSpan = FIRST_GUESS_BYTES_PER_SPAN;
  /** Spans waiting: in jobs and in `carry`. */
  spans = 0;
  /** Estimated encoded bytes of everything waiting. */
  bytes = 0;

  /** What `count` spans are expected to take once encoded. */
  estimate(count: number): number {
    return Math.ceil(count * this.perSpan);
  }

  /** Feeds the estimate with a request just encoded. */
  learn(encodedBytes: number, spans: number): void {
    if (spans <= 0) return;
    // Weighted by spans: one tiny session span does not swing the average of a 64-span request.
    const w = Math.min(1, spans / 256);
    this.perSpan = this.perSpan * (1 - w) + (encodedBytes / spans) * w;
  }

  push(job: ExportJob, estimate: number): void {
    this.jobs.push({ job, estimate });
    this.spans += job.count;
    this.bytes += estimate;
  }

  get empty(): boolean {
    return this.spans === 0;
  }

  /**
   * The next request's spans: whole jobs until `maxSpans` spans or `maxTextBytes` of
   * attribute text. `onBuildError` gets the spans a throwing job lost.
   */
  next(maxSpans: number, maxTextBytes: number, onBuildError: (error: unknown, spans: number) => void): ReadableSpan[] {
    const batch: ReadableSpan[] = [];
    let text = 0;
    for (;;) {
      while (this.carry.length > 0 && batch.length < maxSpans && text < maxTextBytes) {
        const s = this.carry.shift()!;
        const share = this.carry.length === 0 ? this.carryBytes : Math.min(this.carryBytes, Math.ceil(this.perSpan));
        this.carryBytes -= share;
        this.bytes -= share;
        text += textSize(s);
        batch.push(s);
        this.spans--;
      }
      if (batch.length >= maxSpans || text >= maxTextBytes || this.head >= this.jobs.length) {
        if (this.spans === 0) this.bytes = 0;
        return batch;
      }
      const waiting = this.jobs[this.head];
      this.jobs[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      if (!waiting) continue;
      const { job, estimate } = waiting;
      try {
        const built = job.build();
        this.carry = built.length > job.count ? built.slice(0, job.count) : built;
        // A job that built fewer spans than it announced: the missing ones are not waiting.
        this.spans -= job.count - this.carry.length;
        // The job's estimate moves with its spans until the last of them is taken.
        this.carryBytes = this.carry.length > 0 ? estimate : 0;
        if (this.carry.length === 0) this.bytes -= estimate;
      } catch (error) {
        this.spans -= job.count;
        this.bytes -= estimate;
        onBuildError(error, job.count);
      }
    }
  }

  /** Everything still waiting is abandoned; returns the number of spans. */
  clear(): number {
    const n = this.spans;
    this.jobs = [];
    this.head = 0;
    this.carry = [];
    this.carryBytes = 0;
    this.spans = 0;
    this.bytes = 0;
    return n;
  }
}
