// A per-output disk spool of encoded export requests, oldest first, bounded by bytes and age.
//
// Writes: zstd on the thread pool (segment.ts says why not gzip), then `<name>.tmp` (mode
// 0600) renamed into place, so a reader never sees a half-written name. fsync policy: none per segment. A process crash
// keeps the page cache, so only a kernel crash or power loss can lose (or tear) the last
// seconds of segments; a torn one is detected by length/CRC and skipped with a count. At
// shutdown and exit the writes are synchronous, still without fsync.
//
// Any I/O error (ENOSPC, EACCES, EROFS, ...) marks the spool unavailable with the reason;
// the queue then runs memory-only, and the spool is tried again after `retryAfterMs`.

import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { claimSpoolDir } from './lock.ts';
import { compressSegment, compressSegmentSync, decodeSegmentAsync, parseSegmentName, segmentHeader, segmentName } from './segment.ts';
import type { SegmentContent } from './segment.ts';
import { releaseNow } from '../../../util/release-buffer.ts';

export interface SpoolOptions {
  directory: string;
  maxBytes: number;
  maxAgeMs: number;
  now: () => number;
  /** Spans dropped from the spool, by reason: spool_max_bytes, spool_max_age, torn_segment. */
  onDrop: (reason: string, spans: number) => void;
  /** After a write error, how long the spool stays unavailable before it is tried again. */
  retryAfterMs?: number;
}

export interface SpoolSegment {
  readonly name: string;
  readonly bytes: number;
  readonly created: number;
  readonly spans: number;
}

export interface SpoolStats {
  directory: string;
  state: 'ok' | 'unavailable';
  reason?: string;
  segments: number;
  bytes: number;
  spans: number;
  oldestAgeMs?: number;
  tornSegments: number;
}

interface Prepared {
  path: string;
  data: Buffer;
  segment: SpoolSegment;
}

export class Spool {
  private readonly opts: SpoolOptions;
  private readonly retryAfterMs: number;
  private segments: SpoolSegment[] = [];
  private readonly claimed = new Set<string>();
  private bytes = 0;
  private seq = 0;
  private torn = 0;
  private unavailable: { reason: string; until: number } | undefined;
  private release: (() => void) | undefined;
  private closed = false;

  constructor(opts: SpoolOptions) {
    this.opts = opts;
    this.retryAfterMs = opts.retryAfterMs ?? 30_000;
    this.open();
  }

  /** Claims the directory and lists what a previous process left. Never throws. */
  private open(): void {
    try {
      mkdirSync(this.opts.directory, { recursive: true, mode: 0o700 });
      this.release = claimSpoolDir(this.opts.directory);
      for (const name of readdirSync(this.opts.directory).sort()) {
        const path = join(this.opts.directory, name);
        if (name.endsWith('.tmp')) {
          // A write the previous process never finished.
          this.torn++;
          this.opts.onDrop('torn_segment', 0);
          this.unlinkQuiet(path);
          continue;
        }
        const meta = parseSegmentName(name);
        if (!meta) continue;
        this.segments.push({ name, bytes: statSync(path).size, ...meta });
        this.bytes += this.segments[this.segments.length - 1]!.bytes;
      }
      this.expire();
      this.unavailable = undefined;
    } catch (error) {
      this.markUnavailable(error);
    }
  }

  get usable(): boolean {
    if (this.closed) return false;
    if (this.unavailable && this.opts.now() >= this.unavailable.until) {
      if (!this.release) this.open();
      else this.unavailable = undefined;
    }
    return this.unavailable === undefined && this.release !== undefined;
  }

  /** Segments waiting and not being sent right now. */
  get waiting(): number {
    return this.segments.length - this.claimed.size;
  }

  stats(): SpoolStats {
    const oldest = this.segments[0];
    let spans = 0;
    for (const s of this.segments) spans += s.spans;
    return {
      directory: this.opts.directory,
      state: this.unavailable || !this.release ? 'unavailable' : 'ok',
      ...(this.unavailable ? { reason: this.unavailable.reason } : this.closed ? { reason: 'closed' } : {}),
      segments: this.segments.length,
      bytes: this.bytes,
      spans,
      ...(oldest ? { oldestAgeMs: Math.max(0, this.opts.now() - oldest.created) } : {}),
      tornSegments: this.torn,
    };
  }

  /** Stores one encoded request; false when the spool is (now) unavailable. */
  async write(raw: Uint8Array, spans: number, created: number): Promise<boolean> {
    if (!this.usable) return false;
    let target: Prepared | undefined;
    try {
      const compressed = await compressSegment(raw);
      target = this.prepare(compressed, raw.length, spans, created);
      // Copied into the segment. Output that came in pieces was joined into a store of its own;
      // a single piece is the closed stream's chunk, which Node does not detach (left to the GC).
      releaseNow(compressed, true);
      if (!target) return true;
      await writeFile(`${target.path}.tmp`, target.data, { mode: 0o600 });
      // Written: the file data is no longer read by anything (a failed write keeps it to the GC).
      releaseNow(target.data);
      await rename(`${target.path}.tmp`, target.path);
    } catch (error) {
      if (target) await unlink(`${target.path}.tmp`).catch(() => undefined);
      this.markUnavailable(error);
      return false;
    }
    this.insert(target.segment);
    return true;
  }

  /** The same, synchronously: for shutdown and process exit. */
  writeSync(raw: Uint8Array, spans: number, created: number): boolean {
    if (!this.usable) return false;
    let target: Prepared | undefined;
    try {
      target = this.prepare(compressSegmentSync(raw), raw.length, spans, created);
      if (!target) return true;
      writeFileSync(`${target.path}.tmp`, target.data, { mode: 0o600 });
      renameSync(`${target.path}.tmp`, target.path);
    } catch (error) {
      if (target) this.unlinkQuiet(`${target.path}.tmp`);
      this.markUnavailable(error);
      return false;
    }
    this.insert(target.segment);
    return true;
  }

  /** Names the segment and makes room for it; undefined when it alone exceeds max_bytes (counted). */
  private prepare(compressed: Uint8Array, rawLength: number, spans: number, created: number): Prepared | undefined {
    const size = 32 + compressed.length;
    if (size > this.opts.maxBytes) {
      this.opts.onDrop('spool_max_bytes', spans);
      return undefined;
    }
    // Only the oldest data goes: room is made before the newest is written.
    while (this.bytes + size > this.opts.maxBytes && this.evictOldest('spool_max_bytes'));
    const name = segmentName(created, this.seq++, spans);
    return {
      path: join(this.opts.directory, name),
      data: Buffer.concat([segmentHeader(compressed, rawLength, spans, created), compressed]),
      segment: { name, bytes: size, created, spans },
    };
  }

  private insert(seg: SpoolSegment): void {
    // Kept sorted by name (= by creation time): a late write may carry an older time.
    let i = this.segments.length;
    while (i > 0 && this.segments[i - 1]!.name > seg.name) i--;
    this.segments.splice(i, 0, seg);
    this.bytes += seg.bytes;
  }

  private evictOldest(reason: string): boolean {
    const i = this.segments.findIndex((s) => !this.claimed.has(s.name));
    if (i < 0) return false;
    const [seg] = this.segments.splice(i, 1);
    this.bytes -= seg!.bytes;
    this.opts.onDrop(reason, seg!.spans);
    this.unlinkQuiet(join(this.opts.directory, seg!.name));
    return true;
  }

  /** Drops segments older than max_age (counted). */
  expire(): void {
    const limit = this.opts.now() - this.opts.maxAgeMs;
    for (const seg of [...this.segments]) {
      if (seg.created >= limit) break;
      if (this.claimed.has(seg.name)) continue;
      this.forget(seg);
      this.opts.onDrop('spool_max_age', seg.spans);
      this.unlinkQuiet(join(this.opts.directory, seg.name));
    }
  }

  /** The oldest segment nobody is sending, claimed for the caller. */
  claimOldest(): SpoolSegment | undefined {
    if (this.closed) return undefined;
    this.expire();
    const seg = this.segments.find((s) => !this.claimed.has(s.name));
    if (seg) this.claimed.add(seg.name);
    return seg;
  }

  /** Reads a claimed segment; a torn one is removed, counted, and undefined is returned. */
  async read(seg: SpoolSegment): Promise<SegmentContent | undefined> {
    let file: Buffer;
    try {
      file = await readFile(join(this.opts.directory, seg.name));
    } catch {
      // Gone (removed by hand?): nothing to send.
      this.claimed.delete(seg.name);
      this.forget(seg);
      return undefined;
    }
    const content = await decodeSegmentAsync(file);
    releaseNow(file);
    if ('torn' in content) {
      this.torn++;
      this.opts.onDrop('torn_segment', seg.spans);
      await this.remove(seg);
      return undefined;
    }
    return content;
  }

  /** Sent (or rejected for good): the segment is deleted. */
  async remove(seg: SpoolSegment): Promise<void> {
    this.claimed.delete(seg.name);
    this.forget(seg);
    await unlink(join(this.opts.directory, seg.name)).catch(() => undefined);
  }

  /** Not sent this time: another attempt will claim it again. */
  unclaim(seg: SpoolSegment): void {
    this.claimed.delete(seg.name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release?.();
    this.release = undefined;
  }

  private forget(seg: SpoolSegment): void {
    const i = this.segments.indexOf(seg);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.bytes -= seg.bytes;
  }

  private markUnavailable(error: unknown): void {
    const e = error as NodeJS.ErrnoException;
    const reason = e && typeof e === 'object' && e.code ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    this.unavailable = { reason, until: this.opts.now() + this.retryAfterMs };
  }

  private unlinkQuiet(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Best effort.
    }
  }
}
