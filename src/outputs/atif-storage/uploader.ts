// Uploads finished ATIF files to every configured store, off the hot path.
//
// `fileWritten` is all the ATIF writer calls: it records a (store, file name) pair and
// returns. Workers (bounded concurrency) read the bytes from the local file when they upload
// (so the queue holds names, not documents, and a later version of a file supersedes an
// earlier one for free), PUT them, and on failure retry with exponential backoff and jitter.
// Pending pairs are remembered on disk (pending-journal.ts) so a restart finishes them.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SinkHealth } from '../../fanout/sink.ts';
import type { AtifStorageConfig, RetryConfig } from './config.ts';
import { PendingJournal } from './pending-journal.ts';
import { createStore, type Store } from './stores.ts';

export interface UploaderOptions {
  /** The ATIF output directory (absolute): files are read from here, the journal lives here. */
  atifDir: string;
  /** Uploads in flight at once, over all stores (default 2). */
  concurrency?: number;
  /** Most (store, file) pairs waiting; past it new ones are dropped and counted (default 10000). */
  maxPending?: number;
  /** Injected for tests. */
  stores?: Store[];
  random?: () => number;
}

interface StoreState {
  store: Store;
  keyPrefix: string;
  retry: RetryConfig;
  uploaded: number;
  uploadedBytes: number;
  attempts: number;
  failedAttempts: number;
  dropped: { gaveUp: number; vanished: number; overflow: number };
  lastFailed: boolean;
  lastError?: { time: string; message: string };
  lastSuccessTime?: string;
}

interface Entry {
  st: StoreState;
  file: string;
  attempts: number;
  nextAt: number;
  inFlight: boolean;
  /** The file was written again while it was being uploaded: upload once more. */
  again: boolean;
}

export class AtifUploader {
  private readonly dir: string;
  private readonly states: StoreState[];
  private readonly entries = new Map<string, Entry>();
  private readonly journal: PendingJournal;
  private readonly concurrency: number;
  private readonly maxPending: number;
  private readonly random: () => number;
  private readonly ready: Promise<void>;
  private loaded = false;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private warmed = false;
  private waiters: (() => void)[] = [];

  constructor(cfg: AtifStorageConfig, opts: UploaderOptions) {
    this.dir = path.resolve(opts.atifDir);
    const stores = opts.stores ?? cfg.stores.map(createStore);
    this.states = cfg.stores.map((c, i) => ({
      store: stores[i]!,
      keyPrefix: c.keyPrefix,
      retry: c.retry,
      uploaded: 0,
      uploadedBytes: 0,
      attempts: 0,
      failedAttempts: 0,
      dropped: { gaveUp: 0, vanished: 0, overflow: 0 },
      lastFailed: false,
    }));
    this.journal = new PendingJournal(this.dir);
    this.concurrency = opts.concurrency ?? 2;
    this.maxPending = opts.maxPending ?? 10_000;
    this.random = opts.random ?? Math.random;
    this.ready = this.journal.load().then((left) => {
      for (const p of left) {
        const st = this.states.find((s) => s.store.name === p.store);
        if (st) this.enqueue(st, p.file);
        // A store no longer configured: its owed uploads are forgotten.
        else this.journal.remove(p.store, p.file, 'drop');
      }
      this.loaded = true;
      this.pump();
    });
  }

  /**
   * The ATIF writer finished writing `fileName` (a name inside the ATIF directory). Cheap and
   * synchronous: safe to call from the writer's completion path.
   */
  fileWritten(fileName: string, info: { final: boolean }): void {
    if (this.stopped) return;
    if (!this.warmed) {
      this.warmed = true;
      for (const st of this.states) st.store.warm?.();
    }
    for (const st of this.states) {
      if (!info.final && !st.retry.uploadCheckpoints) continue;
      this.enqueue(st, fileName);
    }
    if (this.loaded) this.pump();
  }

  /** Resolves when nothing is in flight or due now (entries waiting on backoff are not awaited). */
  async flush(): Promise<void> {
    await this.ready;
    while (this.inFlight > 0 || this.dueEntry()) await new Promise<void>((r) => this.waiters.push(r));
    await this.journal.settled();
  }

  /** Waits for in-flight uploads; pending ones stay in the journal for the next process. */
  async shutdown(): Promise<void> {
    await this.flush();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const st of this.states) st.store.close();
    await this.journal.settled();
  }

  /**
   * Process 'exit': what is still owed is written to the journal synchronously, so the next
   * process uploads it (an embedded `openclaw agent --local` run exits without awaiting).
   */
  exitSync(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.journal.syncAll();
  }

  health(): SinkHealth[] {
    return this.states.map((st) => {
      let pending = 0;
      for (const e of this.entries.values()) if (e.st === st) pending += 1;
      const dropped = st.dropped.gaveUp + st.dropped.vanished + st.dropped.overflow;
      const h: SinkHealth = {
        name: st.store.name, // as the config layer names it (src/config/outputs.ts), so status pairs them
        enabled: true,
        state: this.stopped ? 'stopped' : st.lastFailed ? 'degraded' : 'ok',
        exported: st.uploaded,
        unit: 'files',
        failures: st.failedAttempts,
        dropped,
        queueDepth: pending,
        details: {
          target: st.store.target,
          uploaded: st.uploaded,
          uploaded_bytes: st.uploadedBytes,
          pending,
          attempts: st.attempts,
          failed_attempts: st.failedAttempts,
          dropped_gave_up: st.dropped.gaveUp,
          dropped_file_vanished: st.dropped.vanished,
          dropped_queue_full: st.dropped.overflow,
          journal: this.journal.file,
          journal_errors: this.journal.errors,
          ...(this.journal.lastError ? { journal_last_error: this.journal.lastError } : {}),
        },
      };
      if (st.lastSuccessTime) h.lastSuccessTime = st.lastSuccessTime;
      if (st.lastError) h.lastError = st.lastError;
      return h;
    });
  }

  private enqueue(st: StoreState, file: string): void {
    const k = `${st.store.name}\u0000${file}`;
    const e = this.entries.get(k);
    if (e) {
      // Already owed: the upload reads the newest bytes. One in flight reads older ones.
      if (e.inFlight) e.again = true;
      return;
    }
    if (this.entries.size >= this.maxPending) {
      st.dropped.overflow += 1;
      return;
    }
    this.entries.set(k, { st, file, attempts: 0, nextAt: 0, inFlight: false, again: false });
    this.journal.add(st.store.name, file);
  }

  private dueEntry(now = Date.now()): Entry | undefined {
    let best: Entry | undefined;
    for (const e of this.entries.values()) {
      if (e.inFlight || e.nextAt > now) continue;
      if (!best || e.nextAt < best.nextAt) best = e;
    }
    return best;
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.inFlight < this.concurrency) {
      const e = this.dueEntry();
      if (!e) break;
      e.inFlight = true;
      e.again = false;
      this.inFlight += 1;
      void this.attempt(e).finally(() => {
        e.inFlight = false;
        this.inFlight -= 1;
        this.pump();
        this.notify();
      });
    }
    this.arm();
  }

  /** Wakes the pump when the earliest backoff ends. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const e of this.entries.values()) if (!e.inFlight && e.nextAt < next) next = e.nextAt;
    if (!Number.isFinite(next) || this.stopped) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()));
    // Owed uploads must not keep a finished CLI process alive: the journal keeps them.
    this.timer.unref();
  }

  private async attempt(e: Entry): Promise<void> {
    const { st } = e;
    const k = `${st.store.name}\u0000${e.file}`;
    // Counted before the read too: an unreadable file must also run out of attempts.
    e.attempts += 1;
    let body: Buffer;
    try {
      body = await readFile(path.join(this.dir, e.file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Renamed or removed since (a checkpoint under a provisional name): nothing to send.
        st.dropped.vanished += 1;
        this.finish(k, e, 'drop');
        return;
      }
      this.failed(e, new Error(`${st.store.name}: cannot read local file ${e.file}: ${(err as Error).message}`));
      return;
    }
    st.attempts += 1;
    try {
      await st.store.put(st.keyPrefix + e.file, body);
    } catch (err) {
      this.failed(e, err);
      return;
    }
    st.uploaded += 1;
    st.uploadedBytes += body.length;
    st.lastFailed = false;
    st.lastSuccessTime = new Date().toISOString();
    if (e.again) {
      e.attempts = 0;
      e.nextAt = 0;
      return;
    }
    this.finish(k, e, 'done');
  }

  private failed(e: Entry, err: unknown): void {
    const { st } = e;
    st.failedAttempts += 1;
    st.lastFailed = true;
    st.lastError = { time: new Date().toISOString(), message: err instanceof Error ? err.message : String(err) };
    if (e.attempts >= st.retry.maxAttempts) {
      st.dropped.gaveUp += 1;
      this.finish(`${st.store.name}\u0000${e.file}`, e, 'drop');
      return;
    }
    // Exponential backoff with "equal jitter": at least half the step, so a fleet that failed
    // together does not retry together, and never a hot loop.
    const step = Math.min(st.retry.retryMaxMillis, st.retry.retryInitialMillis * 2 ** Math.max(0, e.attempts - 1));
    e.nextAt = Date.now() + step / 2 + this.random() * (step / 2);
  }

  private finish(k: string, e: Entry, op: 'done' | 'drop'): void {
    this.entries.delete(k);
    this.journal.remove(e.st.store.name, e.file, op);
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
