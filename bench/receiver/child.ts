// The OTLP receivers, in a process of their own so that decoding protobuf does not count
// against the plugin's handler path (on a 2-core box it gets the other core).
// One receiver (scripts/lib/otlp-receiver.ts, real protobuf decoding) per output name.
// Decoded requests are counted and then forgotten, so holding 50,000 spans with full
// prompts does not grow this process without bound.
//
// IPC protocol: parent <- {type:'ready', urls}; parent -> {type:'count', id} <- {type:'counts', id, counts};
// parent -> {type:'close'}.

import { performance } from 'node:perf_hooks';
import { startOtlpReceiver, type OtlpReceiver } from '../../scripts/lib/otlp-receiver.ts';
import { startOtlpSignalReceiver } from '../../scripts/lib/otlp-signal-receiver.ts';

export interface OutputCounts {
  spans: number;
  /**
   * Milliseconds this receiver process's event loop has been busy since it started (all
   * outputs share it). Busy nearly all the time during a drain would mean the receiver,
   * not the plugin, sets the pace.
   */
  activeMs: number;
  requests: number;
  wireBytes: number;
  /** POSTs that arrived, whatever the answer. */
  attempts: number;
}

export type ChildMessage =
  | { type: 'ready'; urls: Record<string, string> }
  | { type: 'counts'; id: number; counts: Record<string, OutputCounts> };

export type ParentMessage = { type: 'count'; id: number } | { type: 'close' };

const names = JSON.parse(process.argv[2] ?? '[]') as string[];
const receivers = new Map<string, OtlpReceiver>();
const counts: Record<string, OutputCounts> = {};
for (const name of names) {
  receivers.set(name, await startOtlpReceiver());
  counts[name] = { spans: 0, activeMs: 0, requests: 0, wireBytes: 0, attempts: 0 };
}

// Metrics and logs (issue 12) go to one real collector at `urls.signals`: decoded, answered,
// then forgotten (the sinks' own health counts what was accepted).
const signals = await startOtlpSignalReceiver();

const elu0 = performance.eventLoopUtilization();

function collect(): void {
  const activeMs = Math.round(performance.eventLoopUtilization(elu0).active);
  for (const [name, r] of receivers) {
    const c = counts[name]!;
    for (const req of r.requests) {
      c.spans += req.spans.length;
      c.requests += 1;
      c.wireBytes += req.wireBytes;
    }
    c.attempts = r.attempts;
    c.activeMs = activeMs;
    r.clear();
  }
  signals.metrics.length = 0;
  signals.logs.length = 0;
}

const timer = setInterval(collect, 50);

const send = (m: ChildMessage) => process.send?.(m);

process.on('message', (m: ParentMessage) => {
  if (m.type === 'count') {
    collect();
    send({ type: 'counts', id: m.id, counts });
  } else if (m.type === 'close') {
    clearInterval(timer);
    void Promise.all([...[...receivers.values()].map((r) => r.close()), signals.close()]).then(() => process.exit(0));
  }
});
// The parent died or let go: nothing left to receive for.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', urls: { ...Object.fromEntries([...receivers].map(([n, r]) => [n, r.url])), signals: signals.origin } });
