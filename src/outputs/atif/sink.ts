// The ATIF TraceSink: one trajectory file per top-level session, brought up to date after
// every run (a crash loses at most the run in flight) and finalized when the session ends.
//
// runEnded/sessionEnded are called on the background lane (the sink contract); they only mark
// the file dirty and return: no fs call, no serialization. A per-file drain, started on the next
// macrotask, renders and writes; at most one write per file is in flight, and every
// checkpoint requested meanwhile is coalesced into the one that follows it.
//
// A write replaces the file atomically (temp file + rename) while the file is small. Once it
// is large, a checkpoint that only adds steps after the ones on disk rewrites just the file's
// end in place (append-write.ts), so a long session costs bytes in proportion to its length,
// not to its square; the final write is always an atomic replace.

import { unlinkSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { AtifConfig } from '../../config/types.ts';
import { IMMEDIATE_LANE } from '../../fanout/lane.ts';
import type { BackgroundLane } from '../../fanout/lane.ts';
import { rootOf } from '../../trace/model.ts';
import type { Run, RunAmendment, Session } from '../../trace/model.ts';
import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import { FileMoved, recoverJournals, rewriteEnd } from './append-write.ts';
import { removeAbandonedTempsSync, removeStaleTemps, writeFileAtomic, writeFileAtomicSync } from './atomic-write.ts';
import type { FileImage } from './atomic-write.ts';
import { pathInside } from './filename.ts';
import { FileNamer } from './naming.ts';
import { TrajectoryCache, sameHead } from './render.ts';
import type { Layout, ReadBodies, Rendered } from './render.ts';
import { BodiesLost, OnFile, flat, heldBytes, joined, releaseReadBack, resolveBodies, resolveBodiesSync } from './spill.ts';
import type { Body, FileRef } from './spill.ts';
import type { AtifMeta, JsonObject } from './types.ts';
import type { Annotation, AnnotationTarget } from '../../trace/annotation.ts';
import { patchDocument, record } from './annotations.ts';
import type { SessionAnnotations } from './annotations.ts';
import { lruGet, lruInsert } from '../../util/lru.ts';

export interface AtifSinkOptions {
  openclawVersion: string;
  pluginVersion: string;
  /** Told about every failed write (the sink itself never throws into its caller). */
  onError?: (err: unknown) => void;
  rootExtra?: AtifMeta['rootExtra'];
  /** Files at least this large are brought up to date in place rather than replaced (default 256 KiB). */
  appendFromBytes?: number;
  /** Where rendering runs: the runtime's lane yields to hooks (default: next turn of the loop). */
  lane?: BackgroundLane;
  /** Told after each successful write (file name inside the output directory); `final` for a session's last write. Must only enqueue. */
  onWritten?: (fileName: string, final: boolean) => void;
  /**
   * A file not written for this long keeps its run steps on disk only (spill.ts); 0: at once
   * after every write. Until then they stay in memory too, so a file removed behind the writer
   * between two checkpoints is written again whole. Default 30 s.
   */
  spillAfterMs?: number;
  /** Written run steps kept in memory across all files before the oldest are left to their files; default 16 MiB. */
  unspilledBudgetBytes?: number;
}

/** What this sink last wrote to a file: enough to tell whether a new render only extends it. */
interface OnDisk {
  fileName: string;
  image: FileImage;
  layout: Layout;
}

interface FileState {
  /**
   * The latest object this sink was given for the root: the live session (runEnded) or a
   * frozen snapshot of its tree (sessionEnded). Either renders the same steps; the state
   * itself is keyed by the root's span id, which both share.
   */
  root: Session;
  /** Something changed since the last render started. */
  dirty: boolean;
  /** sessionEnded arrived for the root: the next write is the final one. */
  final: boolean;
  /** The last write failed; retried at the next checkpoint (of this or any other file). */
  failed: boolean;
  failedAt: number;
  running?: Promise<void>;
  /** The final write succeeded and nothing changed since: the state can go. */
  finished: boolean;
  /** Template output the current file name was derived from, and the name in use. */
  baseName?: string;
  fileName?: string;
  /** Unset when the file's content is not known to be what this sink rendered. */
  disk?: OnDisk;
  /** The file as last written successfully, where the run steps it holds are read back from (spill.ts). */
  ref?: FileRef;
  /** The last successful write, until its run steps are left to the file alone. */
  unspilled?: { rendered: Rendered; at: number; bytes: number };
}

const SPILL_AFTER_MS = 30_000;
// Written run steps kept in memory across files, at most: past it the least recently written
// files' steps are left to their files at once. Without a bound, thousands of sessions
// written in a burst each kept theirs for SPILL_AFTER_MS (2,000x3 bench: 143 MB of Buffers).
const UNSPILLED_BUDGET_BYTES = 16 * 1024 * 1024;

// Replacing a file this small costs well under a millisecond; past it, in-place updates pay off.
const APPEND_FROM_BYTES = 256 * 1024;

const RETRY_OTHERS_MS = 1000;
// Finalized files an annotation can still find by session id or key (names only).
const FINAL_FILES_KNOWN = 4096;

export function createAtifSink(config: AtifConfig, opts: AtifSinkOptions): TraceSink {
  const meta: AtifMeta = {
    agentName: config.agentName,
    openclawVersion: opts.openclawVersion,
    pluginVersion: opts.pluginVersion,
  };
  // Annotations of open sessions, rendered with them (root extra, run steps); they go with the
  // session's file state. Keyed by the root's span id: the root arrives live and as snapshots.
  const annotations = new Map<string, SessionAnnotations>();
  meta.rootExtra = (root) => {
    const base = opts.rootExtra?.(root);
    const a = annotations.get(root.spanId)?.session;
    return a ? { ...base, annotations: a as unknown as JsonObject } : base;
  };
  meta.runAnnotation = (root, runId) => annotations.get(root.spanId)?.runs.get(runId);
  const finalFiles = new Map<string, string>();
  let patchChain: Promise<void> = Promise.resolve();
  const dir = path.resolve(config.outputDirectory);
  const cache = new TrajectoryCache();
  // Root session span id -> its file's state (span ids are unique per session, subagents included).
  const states = new Map<string, FileState>();
  const names = new FileNamer(dir, config.filenameTemplate);
  const failing = new Set<FileState>();
  // Few files are written at a time: each write is several libuv threadpool jobs (fsync
  // among them), and thousands of sessions checkpointing at once would starve the pool
  // that gzip (OTLP export) and DNS share with it.
  const writeSlots = new Slots(2);
  let stopped = false;
  const appendFrom = opts.appendFromBytes ?? APPEND_FROM_BYTES;
  const spillAfter = Math.max(0, opts.spillAfterMs ?? SPILL_AFTER_MS);
  // Files written but not yet spilled; one timer looks at them while there are any.
  const unspilled = new Set<FileState>();
  let spillTimer: NodeJS.Timeout | undefined;
  const unspilledBudget = Math.max(0, opts.unspilledBudgetBytes ?? UNSPILLED_BUDGET_BYTES);
  let unspilledBytes = 0;
  const forgetUnspilled = (st: FileState): void => {
    if (st.unspilled) unspilledBytes -= st.unspilled.bytes;
    st.unspilled = undefined;
    unspilled.delete(st);
  };
  const spillNow = (st: FileState): void => {
    cache.spill(st.unspilled!.rendered, st.ref!);
    forgetUnspilled(st);
  };
  const spillIdle = (): void => {
    const now = Date.now();
    for (const st of unspilled) {
      if (st.running || !st.unspilled || !st.ref) continue;
      if (now - st.unspilled.at < spillAfter) continue;
      spillNow(st);
    }
    if (unspilled.size === 0 && spillTimer) {
      clearInterval(spillTimer);
      spillTimer = undefined;
    }
  };
  const onFileNow = (st: FileState, rendered: Rendered): void => {
    if (spillAfter === 0) return cache.spill(rendered, st.ref!);
    // Re-added at the end: the set's order is the order files were last written.
    forgetUnspilled(st);
    const bytes = bytesInMemory(rendered);
    st.unspilled = { rendered, at: Date.now(), bytes };
    unspilledBytes += bytes;
    unspilled.add(st);
    // Over the budget: the oldest go to their files now (this one too, if it alone is over).
    for (const other of unspilled) {
      if (unspilledBytes <= unspilledBudget) break;
      if (other !== st && (other.running || !other.ref)) continue;
      spillNow(other);
    }
    if (unspilled.size > 0 && !spillTimer) {
      spillTimer = setInterval(spillIdle, Math.min(spillAfter, 10_000));
      spillTimer.unref();
    }
  };
  const lane = opts.lane ?? IMMEDIATE_LANE;
  const stats = { patches: 0, writes: 0, appends: 0, files: 0, finals: 0, bytes: 0, failures: 0, dropped: 0, lastFailed: false };
  let lastSuccessTime: string | undefined;
  let lastError: SinkHealth['lastError'];

  const report = (err: unknown): void => {
    stats.failures += 1;
    stats.lastFailed = true;
    lastError = { time: new Date().toISOString(), message: err instanceof Error ? err.message : String(err) };
    try {
      opts.onError?.(err);
    } catch {
      // A faulty callback must not turn a failed write into a crash.
    }
  };

  const touch = (from: Session, final: boolean): void => {
    const root = rootOf(from);
    // An ancestor that had its own file before its lineage was known moves into the root's.
    for (let s = from, depth = 0; s !== root && s.spanId !== root.spanId && depth < 64; s = s.parentSession ?? root, depth++) evict(s);
    let st = states.get(root.spanId);
    if (!st) states.set(root.spanId, (st = newState(root, names.ownedBy(root))));
    st.root = root;
    st.dirty = true;
    if (final) st.final = true;
    kick(st);
    // "Retry at the next checkpoint": the directory may be writable again now. Other files
    // wait a second between tries, so a broken disk does not cost a write per hook event.
    // Only failed files are looked at: this runs on the hook path, so it must not walk every open session.
    if (failing.size > 0) {
      const now = Date.now();
      for (const other of [...failing]) if (other !== st && now - other.failedAt >= RETRY_OTHERS_MS) kick(other);
    }
  };

  /** If `s` (now a subagent) has a file or a writer of its own, let its drain remove it. */
  const evict = (s: Session): void => {
    let stale = states.get(s.spanId);
    const file = names.ownedBy(s);
    if (!stale && file === undefined) return;
    if (!stale) states.set(s.spanId, (stale = newState(s, file)));
    // The newer object knows the lineage that makes it stale.
    stale.root = s;
    stale.dirty = true;
    kick(stale);
  };

  /** Descendants that wrote standalone files before they were linked (drain side, not the hook path). */
  const evictDescendants = (s: Session, depth: number): void => {
    if (depth > 16) return;
    for (const c of s.children) {
      if (c === s || c.spanId === s.spanId) continue;
      evict(c);
      evictDescendants(c, depth + 1);
    }
  };

  const newState = (root: Session, fileName: string | undefined): FileState => {
    const st: FileState = { root, dirty: false, final: false, failed: false, failedAt: 0, finished: false };
    if (fileName !== undefined) st.fileName = fileName;
    return st;
  };

  const kick = (st: FileState): void => {
    if (st.running || stopped) return;
    st.failed = false;
    failing.delete(st);
    st.running = drain(st).finally(() => {
      st.running = undefined;
      // A touch that landed between the drain's last check and here must not be lost.
      if (st.dirty && !st.failed) kick(st);
      // Dropped only here, with no write in flight, so a late event can never start a second
      // writer for the same file.
      else if (st.finished && states.get(st.root.spanId) === st) {
        states.delete(st.root.spanId);
        // Written into the final file; a later annotation patches that file instead.
        annotations.delete(st.root.spanId);
        cache.forget(st.root);
        forgetUnspilled(st);
        failing.delete(st);
      }
    });
  };

  // What a writer killed mid-write left: unfinished in-place updates are undone and temp files
  // cleared, once, before this sink's first write.
  let swept: Promise<unknown> | undefined;

  const drain = async (st: FileState): Promise<void> => {
    // Leave the hook handler's call stack (and its macrotask) before doing any work.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await (swept ??= recoverJournals(dir).then(() => removeStaleTemps(dir)));
    while (st.dirty) {
      st.dirty = false;
      st.finished = false;
      if (st.root.parentSession) {
        await adopt(st);
        return;
      }
      evictDescendants(st.root, 0);
      const final = st.final;
      if (!(await writeOnce(st, final))) {
        st.dirty = true;
        st.failed = true;
        failing.add(st);
        st.failedAt = Date.now();
        return;
      }
      st.finished = final;
    }
  };

  /** The session turned out to be a subagent (lineage arrived late): it lives in its root's file now. */
  const adopt = async (st: FileState): Promise<void> => {
    forgetUnspilled(st);
    if (states.get(st.root.spanId) === st) {
      states.delete(st.root.spanId);
      annotations.delete(st.root.spanId);
    }
    if (st.fileName) {
      // Its runs' steps kept in that file move back to memory: the root's file takes them.
      if (st.ref) await cache.unspill(st.root, st.ref, (bodies) => resolveBodies(dir, bodies)).catch((err: unknown) => {
        report(err);
        cache.dropSpilled(st.root);
      });
      await unlink(pathInside(dir, st.fileName)).catch(() => undefined);
      names.release(st.root, st.fileName);
    }
    touch(st.root, false);
  };

  const writeOnce = async (st: FileState, final: boolean): Promise<boolean> => {
    try {
      // The slot is taken before rendering: a rendered file is hundreds of kB of Buffers, and
      // thousands of them waiting for a slot would hold all of that at once.
      await writeSlots.run(() => renderAndWrite(st, final));
      return true;
    } catch (err) {
      report(err);
      return false;
    }
  };

  const readNow: ReadBodies = (bodies) => joined(resolveBodiesSync(dir, bodies));

  const renderAndWrite = async (st: FileState, final: boolean): Promise<void> => {
    try {
      await renderAndWriteOnce(st, final);
    } catch (err) {
      if (!(err instanceof BodiesLost)) throw err;
      // Run steps kept in a file someone removed or changed: serialized again, from the runs'
      // content where this sink still has it, else from the summaries the session keeps.
      cache.dropSpilled(st.root);
      const before = cache.summaryRenders;
      await renderAndWriteOnce(st, final);
      if (cache.summaryRenders > before) report(new Error(`${err.message}; ${cache.summaryRenders - before} run(s) written from their summaries (no prompts, messages or tool payloads)`));
    }
  };

  const renderAndWriteOnce = async (st: FileState, final: boolean): Promise<void> => {
    // On the lane: never inside a hook handler's stack, and yielding to hooks under load.
    const rendered = await lane.run(() => cache.render(st.root, meta, final, readNow));
    if (!rendered) return; // no step yet: ATIF forbids `steps: []`, so no file
    const choice = await names.choose(st.root, rendered, st);
    const target = pathInside(dir, choice.fileName);
    const end = final ? undefined : newEnd(st.disk, choice.fileName, rendered, appendFrom);
    const was = st.disk;
    // Until this write succeeds, what is on disk is not known to be either version.
    st.disk = undefined;
    let image: FileImage | undefined;
    let written = rendered.bytes;
    if (end && was) {
      try {
        // Embedded subagents' steps sit after the cut: read back before it is overwritten.
        const tail = await resolveBodies(dir, end.chunks);
        try {
          image = await rewriteEnd(target, was.image, end.offset, flat(tail), rendered.bytes);
        } finally {
          releaseReadBack(end.chunks, tail);
        }
        written = rendered.bytes - end.offset;
        stats.appends += 1;
      } catch (err) {
        // Changed behind our back: a full write puts it right. A failed or torn write is
        // reported, and its retry is a full write too (st.disk stays unset).
        if (!(err instanceof FileMoved)) throw err;
      }
    }
    if (image === undefined) {
      const chunks = await resolveBodies(dir, rendered.chunks);
      try {
        image = await writeFileAtomic(target, flat(chunks));
      } finally {
        releaseReadBack(rendered.chunks, chunks);
      }
    }
    // Every run step of this render is in the file now: kept there, not in memory (once idle).
    const ref = (st.ref ??= { fileName: choice.fileName, image });
    ref.fileName = choice.fileName;
    ref.image = image;
    onFileNow(st, rendered);
    st.disk = { fileName: choice.fileName, image, layout: rendered.layout };
    const previous = wrote(st, choice.baseName, choice.fileName, written, final);
    // The session id became known after the first checkpoint: one file, under the better name.
    if (previous !== undefined) await unlink(pathInside(dir, previous)).catch(() => undefined);
    notifyWritten(choice.fileName, final);
  };

  const notifyWritten = (fileName: string, final: boolean): void => {
    try {
      opts.onWritten?.(fileName, final);
    } catch (err) {
      report(err);
    }
  };

  /** Bookkeeping after a successful write; returns a superseded file name to remove. */
  const wrote = (st: FileState, baseName: string, fileName: string, bytes: number, final: boolean): string | undefined => {
    const previous = st.fileName;
    st.baseName = baseName;
    st.fileName = fileName;
    stats.writes += 1;
    if (previous !== fileName) stats.files += 1;
    if (final) {
      stats.finals += 1;
      for (const key of [st.root.sessionId === undefined ? undefined : `id:${st.root.sessionId}`, `key:${st.root.sessionKey}`]) {
        if (key === undefined) continue;
        finalFiles.delete(key);
        lruInsert(finalFiles, key, fileName, FINAL_FILES_KNOWN);
      }
    }
    stats.bytes += bytes;
    stats.lastFailed = false;
    lastSuccessTime = new Date().toISOString();
    if (previous === undefined || previous === fileName) return undefined;
    names.release(st.root, previous);
    return previous;
  };

  /**
   * Process 'exit': no event loop is left, so pending files are rendered and written here,
   * blocking. The runtime has closed every session just before, so these are final writes.
   */
  const flushSync = (): void => {
    for (const st of [...states.values()]) {
      // `running` too: its async write, if it started, will never finish.
      if (!st.dirty && !st.running) continue;
      try {
        if (st.root.parentSession) {
          // A subagent whose lineage came late: its root's file holds it now.
          if (st.fileName) unlinkQuietly(pathInside(dir, st.fileName));
          continue;
        }
        let rendered = cache.render(st.root, meta, st.final, readNow);
        if (!rendered) continue;
        let chunks: Buffer[];
        try {
          chunks = flat(resolveBodiesSync(dir, rendered.chunks));
        } catch (err) {
          if (!(err instanceof BodiesLost)) throw err;
          // As in renderAndWrite: serialized again from what is left, and said so.
          report(err);
          cache.dropSpilled(st.root);
          rendered = cache.render(st.root, meta, st.final, readNow);
          if (!rendered) continue;
          chunks = flat(resolveBodiesSync(dir, rendered.chunks));
        }
        const choice = names.chooseSync(st.root, rendered, st);
        writeFileAtomicSync(pathInside(dir, choice.fileName), chunks);
        st.disk = undefined;
        const previous = wrote(st, choice.baseName, choice.fileName, rendered.bytes, st.final);
        if (previous !== undefined) unlinkQuietly(pathInside(dir, previous));
        st.dirty = false;
        notifyWritten(choice.fileName, st.final);
      } catch (err) {
        report(err);
      }
    }
    removeAbandonedTempsSync();
    stopped = true;
  };

  const flush = async (): Promise<void> => {
    for (;;) {
      const running = [...states.values()].flatMap((s) => (s.running ? [s.running] : []));
      if (running.length === 0) break;
      await Promise.all(running);
    }
    await patchChain;
  };

  /** A finalized file: read, annotate, replace (one patch at a time, in arrival order). */
  const patchFinal = (target: AnnotationTarget, a: Annotation): void => {
    const fileName =
      (target.sessionId !== undefined ? lruGet(finalFiles, `id:${target.sessionId}`) : undefined) ??
      (target.sessionKey !== undefined ? lruGet(finalFiles, `key:${target.sessionKey}`) : undefined);
    if (fileName === undefined) {
      report(new Error(`annotation for session ${target.sessionId ?? target.sessionKey}: no trajectory file of it is known here`));
      return;
    }
    patchChain = patchChain
      .then(() =>
        writeSlots.run(async () => {
          const target_ = pathInside(dir, fileName);
          const doc = JSON.parse(await readFile(target_, 'utf8')) as Parameters<typeof patchDocument>[0];
          if (!patchDocument(doc, target.runId, a)) throw new Error(`annotation: run ${target.runId} has no step in ${fileName}`);
          const bytes = Buffer.from(`${JSON.stringify(doc)}\n`, 'utf8');
          await writeFileAtomic(target_, [bytes]);
          stats.patches += 1;
          stats.writes += 1;
          stats.bytes += bytes.length;
          stats.lastFailed = false;
          lastSuccessTime = new Date().toISOString();
          notifyWritten(fileName, true);
        }),
      )
      .catch(report);
  };

  const accept = (): boolean => {
    if (!config.enabled) return false;
    if (stopped) {
      stats.dropped += 1;
      return false;
    }
    return true;
  };

  return {
    name: 'atif',

    runEnded(session: Session, run: Run): void {
      try {
        if (!accept()) return;
        cache.runEnded(session, run);
        touch(session, false);
      } catch (err) {
        report(err);
      }
    },

    runAmended(session: Session, amendment: RunAmendment): void {
      try {
        if (!accept()) return;
        // The corrected run takes the place of the one delivered: later checkpoints render it
        // (its late marks included), as the final write always did.
        cache.runAmended(session, amendment.run);
      } catch (err) {
        report(err);
      }
    },

    sessionAnnotated(target: AnnotationTarget, annotation: Annotation): void {
      try {
        if (!accept()) return;
        const root = target.session ? rootOf(target.session) : undefined;
        const st = root ? states.get(root.spanId) : undefined;
        if (root && (st || !root.closed)) {
          let rec = annotations.get(root.spanId);
          if (!rec) annotations.set(root.spanId, (rec = { runs: new Map() }));
          record(rec, target.runId, annotation);
          touch(root, false);
          return;
        }
        patchFinal(target, annotation);
      } catch (err) {
        report(err);
      }
    },

    sessionEnded(session: Session): void {
      try {
        if (!accept()) return;
        // Children close before their root; only the root's end finalizes the file.
        touch(session, rootOf(session).spanId === session.spanId);
      } catch (err) {
        report(err);
      }
    },

    flush,

    flushSync,

    async shutdown(): Promise<void> {
      // Last chance for files whose write failed: no later checkpoint will come.
      for (const st of states.values()) if (st.failed) kick(st);
      await flush();
      stopped = true;
      if (spillTimer) clearInterval(spillTimer);
    },

    health(): SinkHealth {
      let pending = 0;
      for (const s of states.values()) if (s.dirty || s.running) pending += 1;
      const h: SinkHealth = {
        name: 'atif',
        enabled: config.enabled,
        state: stopped ? 'stopped' : !config.enabled ? 'disabled' : stats.lastFailed ? 'degraded' : 'ok',
        exported: stats.writes,
        unit: 'files',
        failures: stats.failures,
        dropped: stats.dropped,
        queueDepth: pending,
        details: {
          output_directory: dir,
          files_written: stats.files,
          checkpoints_written: stats.writes,
          checkpoints_appended: stats.appends,
          annotation_patches: stats.patches,
          files_finalized: stats.finals,
          bytes_written: stats.bytes,
          sessions_pending: pending,
          ...cacheDetails(cache),
        },
      };
      if (lastSuccessTime) h.lastSuccessTime = lastSuccessTime;
      if (lastError) h.lastError = lastError;
      return h;
    },
  };
}

/**
 * The bytes to write when `r` only extends what is on disk: every step there is still first,
 * unchanged, under the same head. Undefined when a full write is needed (or cheap enough).
 */
function newEnd(disk: OnDisk | undefined, fileName: string, r: Rendered, appendFrom: number): { offset: number; chunks: Body[] } | undefined {
  if (!disk || disk.fileName !== fileName || disk.image.size < appendFrom || r.bytes < disk.image.size) return undefined;
  const old = disk.layout;
  const k = old.bodies.length;
  if (k === 0 || r.layout.bodies.length < k || !sameHead(r.layout.head, old.head)) return undefined;
  for (let i = 0; i < k; i++) if (!sameBody(old.bodies[i]!, r.layout.bodies[i]!)) return undefined;
  const cut = r.layout.ends[k - 1];
  if (!cut || cut.byte !== old.ends[k - 1]?.byte) return undefined;
  return { offset: cut.byte, chunks: r.chunks.slice(cut.chunk) };
}

/** The bytes a written render keeps in memory: its run steps' Buffers, not the shared tool list, not what is on file. */
function bytesInMemory(r: Rendered): number {
  let n = 0;
  for (const c of r.chunks) if (!(c instanceof OnFile) && c !== r.layout.head.tools) n += heldBytes(c);
  return n;
}

// Run steps are cached (the same Buffer or OnFile at every render); mark steps are small and
// serialized anew each time, so they are compared by content.
function sameBody(a: Body, b: Body): boolean {
  if (a === b) return true;
  return a instanceof Buffer && b instanceof Buffer && a.length === b.length && a.length <= 4096 && a.equals(b);
}

/** What the open files' runs cost: content still held, serialized runs, and the fallbacks. */
function cacheDetails(cache: TrajectoryCache): Record<string, number> {
  const { contentRuns, serializedRuns, stepBytesInMemory, stepBytesOnFile } = cache.sizes();
  return {
    runs_content_held: contentRuns,
    runs_serialized_held: serializedRuns,
    run_step_bytes_in_memory: stepBytesInMemory,
    run_step_bytes_in_files: stepBytesOnFile,
    runs_rendered_from_summary: cache.summaryRenders,
    runs_reused_stale: cache.staleReuses,
  };
}

function unlinkQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

/** At most `size` async jobs at once; the rest wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
