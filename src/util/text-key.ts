// A stand-in for a long text in an equality test: a session compares each run's system prompt
// (tens of kB, and unique per session: OpenClaw writes the session's ids into it) with the one
// before, and holding the previous text for that costs more than the rest of an idle session.
// Short texts are their own key; long ones their length and SHA-256 (no practical collision:
// a false match would skip the secret scrub of a different prompt).

import { hash } from 'node:crypto';

const SHORT = 512;

export function textKey(s: string): string;
export function textKey(s: string | undefined): string | undefined;
export function textKey(s: string | undefined): string | undefined {
  if (s === undefined || s.length < SHORT) return s;
  // One flat string: a template literal leaves a cons string and its parts (three heap
  // objects) in every open session that holds a key.
  return Buffer.concat([Buffer.from(`\u0000${s.length}:`, 'latin1'), hash('sha256', s, 'buffer')]).toString('latin1');
}
