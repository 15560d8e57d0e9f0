// The metrics output's healthSource built from the outputs' own SinkHealth: what the runtime
// passes as `healthSource` (it supplies the hook event counter; everything else is read from
// the outputs when a metrics export collects, never on the hook path).

import type { TraceSink } from '../../fanout/sink.ts';
import type { PluginHealthSnapshot } from './options.ts';

export function healthSourceFrom(outputs: () => readonly TraceSink[], events: () => number): () => PluginHealthSnapshot {
  return () => {
    let dropped = 0;
    let queueDepth = 0;
    const list: { name: string; dropped: number; queueDepth: number; failures: number }[] = [];
    for (const sink of outputs()) {
      let h;
      try {
        h = sink.health();
      } catch {
        continue; // one broken output must not hide the others
      }
      dropped += h.dropped;
      queueDepth += h.queueDepth;
      list.push({ name: h.name, dropped: h.dropped, queueDepth: h.queueDepth, failures: h.failures });
    }
    return { events: events(), dropped, queueDepth, outputs: list };
  };
}
