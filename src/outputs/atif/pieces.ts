// A system step's body in pieces: its own bytes around the message, which is escaped once and
// shared by every step that carries the same text.
//
// Every session of an agent sends the model the same system prompt, tens of kB of it. Each
// session's system step used to escape it again and copy it into a Buffer of its own, and
// sessions that end together held it once per session. The session-specific parts (timestamp,
// OpenClaw's own text of the prompt) stay per step.

import type { AtifStepBody } from './types.ts';
import { lruGet } from '../../util/lru.ts';

/** A step body written as several Buffers; `parts` concatenated are the body's bytes. */
export class Pieces {
  readonly parts: readonly Buffer[];
  readonly length: number;
  /** Bytes that belong to this step alone: what keeping it in memory costs. */
  readonly own: number;

  constructor(parts: readonly Buffer[], shared: Buffer) {
    this.parts = parts;
    let n = 0;
    for (const p of parts) n += p.length;
    this.length = n;
    this.own = n - shared.length;
  }

  /** The body as one Buffer, to parse it (annotations, late amendments: rare). */
  joined(): Buffer {
    return Buffer.concat(this.parts as Buffer[], this.length);
  }
}

/** Shorter messages are serialized with their step: sharing them would save little. */
const SHARE_FROM_CHARS = 4096;
/** Distinct texts kept escaped, and their bytes at most (a few agents' prompts). */
const SHARED_TEXTS = 8;
const SHARED_BYTES = 8 * 1024 * 1024;

// Keyed by the text itself: equal prompts arrive as distinct strings (one per session).
const escaped = new Map<string, Buffer>();
let escapedBytes = 0;

function sharedJson(text: string): Buffer {
  const hit = lruGet(escaped, text);
  if (hit) return hit;
  const bytes = Buffer.from(JSON.stringify(text), 'utf8');
  // A text larger than the whole cache is shared by nothing: it would push every other one out.
  if (bytes.length > SHARED_BYTES) return bytes;
  escaped.set(text, bytes);
  escapedBytes += bytes.length;
  // Bounded in bytes as well as in count, so util/lru.ts's one-entry eviction is not enough.
  for (const [k, v] of escaped) {
    if (escaped.size <= SHARED_TEXTS && escapedBytes <= SHARED_BYTES) break;
    if (v === bytes) continue;
    escaped.delete(k);
    escapedBytes -= v.length;
  }
  return bytes;
}

const MARK = '\u0000shared_message\u0000';
const MARK_JSON = JSON.stringify(MARK);

/**
 * The body (JSON minus its opening brace) of a system step with a long message, in pieces;
 * undefined for any other step. The pieces are byte for byte what serializing the whole step gives.
 */
export function systemStepPieces(step: AtifStepBody): Pieces | undefined {
  if (step.source !== 'system' || typeof step.message !== 'string' || step.message.length < SHARE_FROM_CHARS) return undefined;
  // Same keys in the same order (the spread keeps `message` where it was), its value a marker.
  const json = JSON.stringify({ ...step, message: MARK }).slice(1);
  const key = `"message":${MARK_JSON}`;
  const at = json.indexOf(key);
  if (at < 0 || json.indexOf(key, at + key.length) >= 0) return undefined;
  const shared = sharedJson(step.message);
  const before = Buffer.from(json.slice(0, at + '"message":'.length), 'utf8');
  const after = Buffer.from(json.slice(at + key.length), 'utf8');
  return new Pieces([before, shared, after], shared);
}
