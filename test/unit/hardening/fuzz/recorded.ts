// Recorded OpenClaw streams (fixtures/*.jsonl) mixed into the fuzz, each copy with its own
// ids so copies interleave as separate sessions. Parsed once per fixture and retagged by
// one regex over the JSON text: a stream takes ~1000 of these copies' events.

import type { RecordedHook } from '../../../support/replay.ts';
import { collectIds } from '../../../support/streams.ts';
import { fixture } from '../helpers.ts';
import { FIXTURES } from './world.ts';

const templates = new Map<number, { records: RecordedHook[]; json: string; pattern: RegExp }>();

/** A copy of a recorded stream with every id suffixed by `tag` (as streams.ts retag, but parsed once). */
export function freshCopy(which: number, tag: string): RecordedHook[] {
  let t = templates.get(which);
  if (!t) {
    const records = fixture(FIXTURES[which]!).filter((r) => r.hook !== 'gateway_stop');
    const ids = collectIds(records);
    t = {
      records,
      json: JSON.stringify(records.map((r) => [r.event, r.ctx])),
      pattern: new RegExp(ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g'),
    };
    templates.set(which, t);
  }
  const fresh = JSON.parse(t.json.replace(t.pattern, (m) => `${m}~${tag}`)) as [unknown, unknown][];
  return t.records.map((r, i) => ({ ...r, event: fresh[i]![0], ctx: fresh[i]![1] }));
}
