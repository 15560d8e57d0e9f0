// The ATOF journal beside the pipeline: it sees every hook delivery the ingest stage accepted
// (after the duplicate check, with the arrival time), not the correlated trace, so it is not
// a fan-out sink. Its record call only takes a shallow snapshot; encoding and I/O run later.

import type { NemoRelayConfig } from '../config/types.ts';
import type { SinkHealth } from '../fanout/sink.ts';
import { AtofJournal, atofFromConfig } from '../outputs/atof/index.ts';
import type { CapturePolicy } from '../trace/capture.ts';

export function createJournal(config: NemoRelayConfig, policy: CapturePolicy): AtofJournal | undefined {
  const atof = atofFromConfig(config.atof);
  return atof ? new AtofJournal(atof, policy) : undefined;
}

/** Status entries; a journal whose health() throws shows as one degraded entry. */
export function journalHealth(journal: AtofJournal | undefined): SinkHealth[] {
  if (!journal) return [];
  try {
    return journal.health();
  } catch (err) {
    return [{ name: 'atof', enabled: true, state: 'degraded', exported: 0, unit: 'messages', failures: 1, dropped: 0, queueDepth: 0, lastError: { time: new Date().toISOString(), message: `health() failed: ${String(err)}` } }];
  }
}
