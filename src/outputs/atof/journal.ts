// The ATOF event journal: every hook event the plugin observed, after the capture policy,
// stamped with its arrival time, fanned out to every configured sink.
//
// `record` runs on the hook path: it snapshots the payload into one ATOF record and its JSON
// line (OpenClaw may mutate the objects after the hook returns, so this cannot wait) and
// hands both to the sinks, which only enqueue.

import type { SinkHealth } from '../../export/sink.ts';
import type { CapturePolicy } from '../../trace/capture.ts';
import type { AtofConfig } from './config.ts';
import { encodeHook } from './encode.ts';
import { AtofFileSink } from './file-sink.ts';
import { AtofStreamSink } from './stream-sink.ts';

export class AtofJournal {
  readonly files: AtofFileSink[];
  readonly streams: AtofStreamSink[];
  private readonly policy: CapturePolicy;
  private seq = 0;
  /** Records encoded, and hook events that could not be encoded (counted, never thrown). */
  readonly counters = { records: 0, encodeErrors: 0 };
  lastEncodeError?: string;
  /** OpenClaw's version once known: recorded on each record so a replay can restore it (ATIF agent.version). */
  openclawVersion?: string;

  constructor(cfg: AtofConfig, policy: CapturePolicy) {
    this.policy = policy;
    const on = cfg.enabled ? cfg.sinks : [];
    this.files = on.flatMap((s) => (s.type === 'file' ? [new AtofFileSink(s)] : []));
    this.streams = on.flatMap((s) => (s.type === 'stream' ? [new AtofStreamSink(s)] : []));
  }

  /** Hook path. `at` is the arrival time (epoch ms) the ingest stage stamped. Never throws. */
  record(hook: string, event: unknown, ctx: unknown, at: number): void {
    if (this.files.length === 0 && this.streams.length === 0) return;
    let rec;
    let line: string;
    try {
      rec = encodeHook(this.policy, hook, event, ctx, at, ++this.seq);
      if (this.openclawVersion) rec.metadata.openclaw_version = this.openclawVersion;
      line = JSON.stringify(rec);
    } catch (err) {
      this.counters.encodeErrors += 1;
      this.lastEncodeError = `${hook}: ${(err as Error).message}`;
      return;
    }
    this.counters.records += 1;
    for (const f of this.files) f.write(line);
    for (const s of this.streams) s.write(rec, line);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.map((f) => f.flush()), ...this.streams.map((s) => s.flush())]);
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.files.map((f) => f.shutdown()), ...this.streams.map((s) => s.shutdown())]);
  }

  /** One entry per sink; encode errors show on every sink (they were lost for all). */
  health(): SinkHealth[] {
    return [...this.files, ...this.streams].map((s) => {
      const h = s.health();
      h.details = { ...h.details, records_observed: this.counters.records, encode_errors: this.counters.encodeErrors };
      if (this.counters.encodeErrors && !h.lastError && this.lastEncodeError) h.lastError = { time: new Date().toISOString(), message: this.lastEncodeError };
      return h;
    });
  }
}
