// The export queue's hand-over at shutdown and process 'exit', synchronously: what waits is
// offered to `sendSync` as one request when it is small or there is no spool (OTLP requests
// concatenate: repeated fields merge), and otherwise written to the spool a request at a time,
// so memory never holds more than one encoded request beyond what it already held. Requests
// in flight are spooled too when there is a spool (delivery is at least once); without one
// they are left to land or fail on their own.

import type { ExportSender } from './export-sender.ts';
import type { MemoryStage } from './export-memory.ts';
import type { Held } from './export-queue-types.ts';
import type { Spool } from './spool/spool.ts';

/** At exit, at most this much is posted synchronously when a spool could take it instead. */
const SYNC_SEND_MAX_BYTES = 8 * 1024 * 1024;

export interface PersistParts {
  spool: Spool | undefined;
  sender: ExportSender;
  memory: MemoryStage;
  /** The next waiting request, encoded; undefined once nothing waits. */
  encodeNext: () => Held | undefined;
  drop: (reason: string, spans: number) => void;
}

export function persistAll(p: PersistParts, sendSync: ((request: Uint8Array) => boolean) | undefined, reason: string): void {
  const spooling = p.spool?.usable === true;
  // Requests read back from the spool are still on disk: nothing to hand over.
  const held = [...(spooling ? p.sender.handOver() : []), ...p.memory.takeAll()].filter((b) => !b.segment);
  let bytes = p.memory.backlog.bytes;
  for (const b of held) bytes += b.bytes.length;
  // A one-shot `openclaw agent --local` run wants its spans now, not at the next start; but
  // a large remainder goes to a usable spool (local, fast) rather than through a child process.
  if (sendSync !== undefined && (held.length > 0 || !p.memory.backlog.empty) && (!spooling || bytes <= SYNC_SEND_MAX_BYTES)) {
    for (let b = p.encodeNext(); b; b = p.encodeNext()) held.push(b);
    if (held.length > 0 && sendSync(Buffer.concat(held.map((b) => b.bytes)))) {
      for (const b of held) p.sender.sent(b);
      return;
    }
  }
  const keep = (b: Held) => {
    if (!p.spool?.writeSync(b.bytes, b.spans, b.created)) p.drop(reason, b.spans);
  };
  for (const b of held.splice(0)) keep(b);
  for (let b = p.encodeNext(); b; b = p.encodeNext()) keep(b);
}
