// The ATOF file sink: records queue in memory (byte-accounted, bounded) and are appended in
// batches on a later turn of the event loop, never on the hook path. The file rotates by
// size and age to <file>.1 (older ones shift up, the oldest past max_files is removed), so
// the journal cannot fill a disk. A write error (full disk, unwritable directory) drops that
// batch, counted, and the next batch tries again; nothing is thrown.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SinkHealth } from '../../fanout/sink.ts';
import type { AtofFileSinkConfig } from './config.ts';

export class AtofFileSink {
  readonly cfg: AtofFileSinkConfig;
  private queue: string[] = [];
  private queueBytes = 0;
  private handle?: FileHandle;
  private size = 0;
  private openedAt = 0;
  /** Overwrite applies to this process's first open only; rotation then starts files afresh. */
  private truncate: boolean;
  private running?: Promise<void>;
  private stopped = false;
  private readonly stats = { written: 0, bytes: 0, dropped: 0, droppedQueueFull: 0, failures: 0, rotations: 0 };
  private lastFailed = false;
  private lastError?: { time: string; message: string };
  private lastSuccessTime?: string;

  constructor(cfg: AtofFileSinkConfig) {
    this.cfg = cfg;
    this.truncate = cfg.mode === 'overwrite';
  }

  /** Hot path: queue one JSON line (without newline) or count a drop. */
  write(line: string): void {
    if (this.stopped) {
      this.stats.dropped += 1;
      return;
    }
    const bytes = line.length + 1; // UTF-16 length: a cheap bound, not exact bytes
    if (this.queueBytes + bytes > this.cfg.maxQueueBytes) {
      this.stats.dropped += 1;
      this.stats.droppedQueueFull += 1;
      return;
    }
    this.queue.push(line);
    this.queueBytes += bytes;
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    // Leave the hook's stack first; records arriving meanwhile join the same batch.
    this.running = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .finally(() => {
        this.running = undefined;
        // A record queued between the drain's last look and here.
        if (this.queue.length) this.kick();
      });
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async shutdown(): Promise<void> {
    await this.flush();
    this.stopped = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /**
   * Process 'exit' (no event loop left): what is queued is appended synchronously, without
   * rotation; an embedded `openclaw agent --local` run exits without awaiting anything.
   */
  exitSync(): void {
    const lines = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    this.stopped = true;
    if (lines.length === 0) return;
    try {
      mkdirSync(path.dirname(this.cfg.file), { recursive: true });
      const text = `${lines.join('\n')}\n`;
      if (this.truncate) writeFileSync(this.cfg.file, text, { mode: 0o600 });
      else appendFileSync(this.cfg.file, text, { mode: 0o600 });
      this.stats.written += lines.length;
    } catch (err) {
      this.stats.failures += 1;
      this.stats.dropped += lines.length;
      this.lastError = { time: new Date().toISOString(), message: `${this.cfg.name} (${this.cfg.file}): ${(err as Error).message}` };
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      this.queueBytes = 0;
      // Cut the batch where the file would pass max_file_bytes, so every file stays under it
      // (a single record larger than the limit gets a file of its own).
      let i = 0;
      while (i < batch.length) {
        const room = Math.max(0, this.cfg.maxFileBytes - (this.handle ? this.size : 0));
        const parts: Buffer[] = [];
        let bytes = 0;
        for (; i < batch.length; i++) {
          const b = Buffer.from(`${batch[i]}\n`, 'utf8');
          if (parts.length > 0 && bytes + b.length > room) break;
          parts.push(b);
          bytes += b.length;
        }
        await this.writeChunk(Buffer.concat(parts, bytes), parts.length);
      }
    }
  }

  private async writeChunk(data: Buffer, records: number): Promise<void> {
    try {
      await this.ensureOpen(data.length);
      await this.handle!.write(data);
      this.size += data.length;
      this.stats.written += records;
      this.stats.bytes += data.length;
      this.lastFailed = false;
      this.lastSuccessTime = new Date().toISOString();
    } catch (err) {
      this.stats.failures += 1;
      this.stats.dropped += records;
      this.lastFailed = true;
      this.lastError = { time: new Date().toISOString(), message: `${this.cfg.name} (${this.cfg.file}): ${(err as Error).message}` };
      // Reopen next time: the directory may have come back, or the file been moved.
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  private async ensureOpen(incoming: number): Promise<void> {
    const now = Date.now();
    if (this.handle && this.size > 0 && (this.size + incoming > this.cfg.maxFileBytes || now - this.openedAt >= this.cfg.maxFileAgeMillis)) {
      await this.handle.close().catch(() => undefined);
      this.handle = undefined;
      await this.rotate();
    }
    if (this.handle) return;
    await mkdir(path.dirname(this.cfg.file), { recursive: true });
    if (!this.truncate) {
      // Appending to what a previous process left: it counts towards size and age.
      const st = await stat(this.cfg.file).catch(() => undefined);
      // birthtime is 0 where the filesystem does not keep it: age then counts from this open.
      if (st && st.size > 0 && (st.size + incoming > this.cfg.maxFileBytes || (st.birthtimeMs > 0 && now - st.birthtimeMs >= this.cfg.maxFileAgeMillis))) await this.rotate();
    }
    this.handle = await open(this.cfg.file, this.truncate ? 'w' : 'a', 0o600);
    this.truncate = false;
    const st = await this.handle.stat();
    this.size = st.size;
    this.openedAt = st.size > 0 ? Math.min(now, st.birthtimeMs || now) : now;
  }

  private async rotate(): Promise<void> {
    const f = this.cfg.file;
    if (this.cfg.maxFiles === 0) {
      await rm(f, { force: true });
    } else {
      await rm(`${f}.${this.cfg.maxFiles}`, { force: true });
      for (let i = this.cfg.maxFiles - 1; i >= 1; i--) await rename(`${f}.${i}`, `${f}.${i + 1}`).catch(() => undefined);
      await rename(f, `${f}.1`).catch(() => undefined);
    }
    this.stats.rotations += 1;
  }

  health(): SinkHealth {
    const h: SinkHealth = {
      name: this.cfg.name,
      enabled: true,
      state: this.stopped ? 'stopped' : this.lastFailed ? 'degraded' : 'ok',
      exported: this.stats.written,
      unit: 'messages',
      failures: this.stats.failures,
      dropped: this.stats.dropped,
      queueDepth: this.queue.length,
      details: {
        file: this.cfg.file,
        mode: this.cfg.mode,
        bytes_written: this.stats.bytes,
        rotations: this.stats.rotations,
        dropped_queue_full: this.stats.droppedQueueFull,
        queue_bytes: this.queueBytes,
      },
    };
    if (this.lastSuccessTime) h.lastSuccessTime = this.lastSuccessTime;
    if (this.lastError) h.lastError = this.lastError;
    return h;
  }
}
