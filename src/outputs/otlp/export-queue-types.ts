// The export queue's options and figures, shared by its parts: the memory stage
// (export-memory.ts), encoding and the spool hand-off (export-queue.ts), the sender
// (export-sender.ts) and the hand-over at exit (export-persist.ts).

import type { BackgroundLane } from '../../fanout/lane.ts';
import type { BackoffOptions } from './backoff.ts';
import type { EncodedBatch } from './job-encoder.ts';
import type { Spool, SpoolSegment } from './spool/spool.ts';
import type { ExportTransport } from './export-transport.ts';

export interface ExportQueueOptions {
  /**
   * A soft bound on spans waiting to be encoded (`max_queue_size`): beyond it the oldest are
   * encoded at once and, when memory is over budget, go to the spool. Never a reason to drop.
   */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  timeoutMillis: number;
  /** Bytes held in memory at most: encoded requests (waiting and in flight) plus the estimate of what waits to be encoded. */
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
  memory: {
    spans: number;
    /** Encoded request bytes in memory (waiting and in flight). */
    bytes: number;
    requests: number;
    /** Estimated encoded size of the spans not yet encoded (counted against the budget too). */
    backlogBytes: number;
    /** Encoded bytes on their way to the spool (compressing, writing): at most a couple of requests. */
    spoolingBytes: number;
    /** The most `bytes` ever held at once. */
    peakBytes: number;
  };
  /** Requests in flight, and the spans they carry. */
  inFlight: number;
  inFlightSpans: number;
  retryingSince?: number;
  lastSuccessTime?: number;
  lastError?: { time: number; message: string };
  /** The last attempt failed and no success followed it yet. */
  degraded: boolean;
}

export interface Held extends EncodedBatch {
  /** Set when the request came from the spool: removed from disk once settled. */
  segment?: SpoolSegment;
}

/** What the sender keeps on its own. */
export type SenderStats = Pick<ExportQueueStats, 'exported' | 'failures' | 'failedSpans' | 'retryingSince' | 'lastSuccessTime' | 'lastError' | 'degraded'>;

export type { Spool, SpoolSegment };
