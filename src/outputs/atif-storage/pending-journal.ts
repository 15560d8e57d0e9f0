// Which (store, file) uploads are still owed, remembered on disk so a restarted gateway
// finishes them. A small JSONL file in the ATIF directory (mode 0600): one line per change,
// folded at load and rewritten compact (temp + rename) when it has grown past what it holds.
// Only names are stored, never document bytes: the local ATIF file is the recovery copy.

import { appendFileSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

export const JOURNAL_NAME = '.nemo-relay-uploads.jsonl';

interface Line {
  op: 'add' | 'done' | 'drop';
  store: string;
  file: string;
}

export interface PendingUpload {
  store: string;
  file: string;
}

const COMPACT_AFTER_LINES = 1000;

export class PendingJournal {
  readonly file: string;
  errors = 0;
  lastError?: string;
  private lines = 0;
  private readonly live = new Map<string, PendingUpload>();
  private chain: Promise<void> = Promise.resolve();

  constructor(dir: string, name = JOURNAL_NAME) {
    this.file = path.join(dir, name);
  }

  /** Reads what a previous process left; a missing or torn journal is not an error. */
  async load(): Promise<PendingUpload[]> {
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail(err);
    }
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a line torn by a crash mid-append
      }
      if (typeof line.store !== 'string' || typeof line.file !== 'string') continue;
      const k = key(line.store, line.file);
      if (line.op === 'add') this.live.set(k, { store: line.store, file: line.file });
      else this.live.delete(k);
    }
    this.lines = this.live.size;
    if (text) await this.enqueue(() => this.compact());
    return [...this.live.values()];
  }

  add(store: string, file: string): void {
    const k = key(store, file);
    if (this.live.has(k)) return;
    this.live.set(k, { store, file });
    this.append({ op: 'add', store, file });
  }

  remove(store: string, file: string, op: 'done' | 'drop'): void {
    if (!this.live.delete(key(store, file))) return;
    this.append({ op, store, file });
  }

  /**
   * Process 'exit' (no event loop left, queued appends will never run): every owed upload is
   * appended synchronously. Repeated 'add' lines are harmless; the next load folds them.
   */
  syncAll(): void {
    if (this.live.size === 0) return;
    try {
      appendFileSync(this.file, [...this.live.values()].map((p) => `${JSON.stringify({ op: 'add', ...p })}\n`).join(''), { mode: 0o600 });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Resolves when every change so far is on disk (or has failed and been counted). */
  settled(): Promise<void> {
    return this.chain;
  }

  private append(line: Line): void {
    void this.enqueue(async () => {
      if (this.lines >= COMPACT_AFTER_LINES && this.lines > 4 * this.live.size) {
        await this.compact();
        return; // the rewrite already holds this change
      }
      await writeAll(this.file, `${JSON.stringify(line)}\n`, 'a');
      this.lines += 1;
    });
  }

  private async compact(): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body = [...this.live.values()].map((p) => JSON.stringify({ op: 'add', ...p })).join('\n');
    await writeAll(tmp, body ? `${body}\n` : '', 'w');
    await rename(tmp, this.file);
    this.lines = this.live.size;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(job).catch((err: unknown) => this.fail(err));
    return this.chain;
  }

  private fail(err: unknown): void {
    this.errors += 1;
    this.lastError = `upload journal ${this.file}: ${(err as Error).message ?? String(err)}`;
  }
}

async function writeAll(file: string, text: string, flags: 'a' | 'w'): Promise<void> {
  const fh = await open(file, flags, 0o600);
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

function key(store: string, file: string): string {
  return `${store}\u0000${file}`;
}
