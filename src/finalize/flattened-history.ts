// /v1/chat/completions flattens the client's whole message history into one prompt:
//   [Chat messages since your last reply - for context]
//   User: q1
//   Assistant: a1
//
//   [Current message - respond to this]
//   User: q2
// In a pinned session the earlier turns are already in the trajectory (runs of their own), so
// the run's prompt is recorded as its new tail ("q2") with a mark, never as the history again.
// The history is recognized, not guessed: it must equal, line for line, the conversation this
// session recorded so far, of which only a running hash is kept (no text).

import { createHash, type Hash } from 'node:crypto';
import type { ChatMessage } from '../trace/model.ts';

export const HISTORY_MARKER = '[Chat messages since your last reply - for context]';
export const CURRENT_MARKER = '[Current message - respond to this]';

// OpenClaw puts the time in front of a prompt: `[Sat 2026-11-21 02:45 UTC] `.
const ENVELOPE = /^\[[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}[^\]\n]*\] /;

/** The prompt without OpenClaw's time envelope, and the envelope. */
export function unwrap(prompt: string): { envelope: string; body: string } {
  const m = ENVELOPE.exec(prompt);
  return m ? { envelope: m[0], body: prompt.slice(m[0].length) } : { envelope: '', body: prompt };
}

export interface Flattened {
  /** OpenClaw's time envelope in front of the prompt ('' when none). */
  envelope: string;
  history: string;
  /** The current message's body, its `User: ` sender removed. */
  current: string;
}

export function splitFlattened(raw: string): Flattened | undefined {
  const { envelope, body: prompt } = unwrap(raw);
  if (!prompt.startsWith(`${HISTORY_MARKER}\n`)) return undefined;
  const sep = `\n\n${CURRENT_MARKER}\n`;
  const at = prompt.lastIndexOf(sep);
  if (at < 0) return undefined;
  const history = prompt.slice(HISTORY_MARKER.length + 1, at);
  let current = prompt.slice(at + sep.length);
  if (current.startsWith('User: ')) current = current.slice('User: '.length);
  return { envelope, history, current };
}

/** The conversation a session recorded so far, as OpenClaw would flatten it (hashed). */
export class ConversationHash {
  private hash: Hash = createHash('sha256');
  private lines = 0;

  private add(line: string): void {
    this.hash.update(this.lines++ === 0 ? line : `\n${line}`);
  }

  matches(history: string): boolean {
    return this.lines > 0 && this.hash.copy().digest('hex') === createHash('sha256').update(history).digest('hex');
  }

  /** Starts over from what the client sent (its history did not match ours). */
  resetTo(history: string): void {
    this.hash = createHash('sha256');
    this.lines = 0;
    if (history !== '') this.add(history);
  }

  /** Appends one turn: the user's message and the run's final answer (what a client sends back). */
  turn(user: string, answer: ChatMessage | undefined): void {
    const u = user.trim();
    if (u !== '') this.add(`User: ${u}`);
    const a = typeof answer?.content === 'string' ? answer.content.trim() : '';
    if (a !== '') this.add(`Assistant: ${a}`);
  }
}
