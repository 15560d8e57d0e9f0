// Jobs (a finished run's planned spans, a closed session) waiting to be serialized, and the
// cut into export requests. A job holds only references to the frozen run snapshot, so it
// costs no copy; its spans are rendered and protobuf-encoded here, a batch at a time, and
// from then on the encoded request bytes are what the queue counts against its budget.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

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
  return ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array(0);
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

export class JobBacklog {
  private jobs: (ExportJob | undefined)[] = [];
  private head = 0;
  /** Spans built but not yet in a batch (a job larger than one batch). */
  private carry: ReadableSpan[] = [];
  /** Spans waiting: in jobs and in `carry`. */
  spans = 0;

  push(job: ExportJob): void {
    this.jobs.push(job);
    this.spans += job.count;
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
        text += textSize(s);
        batch.push(s);
        this.spans--;
      }
      if (batch.length >= maxSpans || text >= maxTextBytes || this.head >= this.jobs.length) return batch;
      const job = this.jobs[this.head];
      this.jobs[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.jobs.length) {
        this.jobs = this.jobs.slice(this.head);
        this.head = 0;
      }
      if (!job) continue;
      try {
        const built = job.build();
        this.carry = built.length > job.count ? built.slice(0, job.count) : built;
        // A job that built fewer spans than it announced: the missing ones are not waiting.
        this.spans -= job.count - this.carry.length;
      } catch (error) {
        this.spans -= job.count;
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
    this.spans = 0;
    return n;
  }
}
