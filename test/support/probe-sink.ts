// A sink that records the runs every output is given at runEnded: the full runs, while the
// session itself may keep only their summaries (finalize/release.ts).

import type { TraceSink } from '../../src/fanout/sink.ts';
import type { Run } from '../../src/trace/model.ts';

export function deliveredRunsProbe(): { sink: TraceSink; delivered: Run[] } {
  const delivered: Run[] = [];
  const sink: TraceSink = {
    name: 'probe',
    runEnded: (_s, run) => void delivered.push(run),
    sessionEnded: () => undefined,
    flush: async () => undefined,
    shutdown: async () => undefined,
    health: () => ({ name: 'probe', enabled: true, state: 'ok', exported: 0, unit: 'spans', failures: 0, dropped: 0, queueDepth: 0 }),
  };
  return { sink, delivered };
}
