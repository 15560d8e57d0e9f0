// Output failures as log records: compares each output's health with the last look and
// reports what changed (new failures, new drops, recovery) through the logs output. The
// runtime starts one watch next to the logs output; it reads health on its own unref'd
// timer, never on the hook path.

import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import { DIAGNOSTIC } from './diagnostic-names.ts';
import type { LogsSink } from './sink.ts';

interface Seen {
  failures: number;
  dropped: number;
  state: SinkHealth['state'];
}

export class OutputWatch {
  private readonly logs: Pick<LogsSink, 'diagnostic'>;
  private readonly seen = new Map<string, Seen>();

  constructor(logs: Pick<LogsSink, 'diagnostic'>) {
    this.logs = logs;
  }

  /** Reports the differences since the previous call; the first look reports only what already went wrong. */
  observe(healths: readonly SinkHealth[], now = Date.now()): void {
    for (const h of healths) {
      const before = this.seen.get(h.name) ?? { failures: 0, dropped: 0, state: 'ok' as const };
      this.seen.set(h.name, { failures: h.failures, dropped: h.dropped, state: h.state });
      const attributes = { 'nemo_relay.output.state': h.state, 'nemo_relay.output.failures': h.failures, 'nemo_relay.output.dropped': h.dropped };
      if (h.failures > before.failures) {
        const n = h.failures - before.failures;
        const why = h.lastError?.message ?? 'no detail';
        this.logs.diagnostic({ name: DIAGNOSTIC.OUTPUT_FAILURE, severity: 'error', message: `${h.name}: ${n} failed export${n === 1 ? '' : 's'}: ${why}`, output: h.name, time: now, attributes });
      }
      if (h.dropped > before.dropped) {
        const n = h.dropped - before.dropped;
        this.logs.diagnostic({ name: DIAGNOSTIC.OUTPUT_DROPPED, severity: 'warning', message: `${h.name}: ${n} ${h.unit} dropped`, output: h.name, time: now, attributes });
      }
      if (before.state === 'degraded' && h.state === 'ok') {
        this.logs.diagnostic({ name: DIAGNOSTIC.OUTPUT_RECOVERED, severity: 'info', message: `${h.name}: exporting again`, output: h.name, time: now, attributes });
      }
    }
  }
}

/** Watches `outputs` every `intervalMillis`; returns the stop function. The logs output itself is skipped (it would report on itself). */
export function startOutputWatch(logs: LogsSink, outputs: () => readonly TraceSink[], intervalMillis = 5000): () => void {
  const watch = new OutputWatch(logs);
  const look = () => {
    const healths: SinkHealth[] = [];
    for (const sink of outputs()) {
      if (sink === logs) continue;
      try {
        healths.push(sink.health());
      } catch {
        // a broken health() is that output's problem, not the watch's
      }
    }
    watch.observe(healths);
  };
  const timer = setInterval(look, Math.max(10, intervalMillis));
  timer.unref();
  return () => {
    clearInterval(timer);
    look(); // a last look, so a failure just before shutdown is still reported
  };
}
