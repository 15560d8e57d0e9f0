// Serialized run steps that live in the trajectory file, not in memory. Once a write succeeded,
// every run step it wrote is on disk at a known offset; the cache keeps that offset (OnFile)
// instead of the Buffer. An idle open session then holds a few hundred bytes per run rather
// than its serialized conversation (a system step alone is tens of kB of its own: OpenClaw's
// text of the prompt, with the session's ids in it, beside the shared one the model saw).
//
// A write that needs those bytes again (a full rewrite, the final write, the embedded
// subagents after an in-place update's cut) reads them back from the file first, after
// checking it is still the file this sink last wrote (same inode, device and size). If it is
// not (removed or changed behind our back), the bytes are lost: BodiesLost, and the caller
// serializes those runs again from what it still has.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileImage } from './atomic-write.ts';
import { pathInside } from './filename.ts';
import { releaseNow } from '../../util/release-buffer.ts';
import { Pieces } from './pieces.ts';

/** The file one sink state last wrote successfully; updated in place, shared by its OnFile bodies. */
export interface FileRef {
  fileName: string;
  image: FileImage;
}

/** A step body at byte `at` of the file `ref` names, `length` bytes long. */
export class OnFile {
  readonly length: number;
  at: number;
  ref: FileRef;

  constructor(length: number, at: number, ref: FileRef) {
    this.length = length;
    this.at = at;
    this.ref = ref;
  }
}

/** A body in memory: one Buffer, or a system step in pieces (pieces.ts). */
export type InMemory = Buffer | Pieces;
export type Body = InMemory | OnFile;

/** The Buffers to write for `bodies`, in order. */
export function flat(bodies: readonly InMemory[]): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bodies) {
    if (b instanceof Pieces) out.push(...b.parts);
    else out.push(b);
  }
  return out;
}

/** What keeping `b` in memory costs: a body in pieces, only its own bytes (not the shared text). */
export function heldBytes(b: InMemory): number {
  return b instanceof Pieces ? b.own : b.length;
}

/** One Buffer per body, to parse it. */
export function joined(bodies: readonly InMemory[]): Buffer[] {
  return bodies.map((b) => (b instanceof Pieces ? b.joined() : b));
}

export class BodiesLost extends Error {}

function byFile(chunks: readonly Body[]): Map<FileRef, OnFile[]> {
  const out = new Map<FileRef, OnFile[]>();
  for (const c of chunks) {
    if (!(c instanceof OnFile)) continue;
    let list = out.get(c.ref);
    if (!list) out.set(c.ref, (list = []));
    list.push(c);
  }
  return out;
}

function lost(ref: FileRef, why: string): BodiesLost {
  return new BodiesLost(`trajectory file ${ref.fileName} ${why}: the run steps kept in it are lost and are serialized again`);
}

function sameFile(st: { ino: number; dev: number; size: number }, ref: FileRef): boolean {
  return st.ino === ref.image.ino && st.dev === ref.image.dev && st.size === ref.image.size;
}

/** `chunks` with every OnFile read back from its file. */
export async function resolveBodies(dir: string, chunks: readonly Body[]): Promise<InMemory[]> {
  const files = byFile(chunks);
  if (files.size === 0) return chunks as InMemory[];
  const got = new Map<OnFile, Buffer>();
  for (const [ref, list] of files) {
    const fh = await open(pathInside(dir, ref.fileName), 'r').catch(() => {
      throw lost(ref, 'is gone');
    });
    try {
      if (!sameFile(await fh.stat(), ref)) throw lost(ref, 'was changed by someone else');
      let total = 0;
      for (const b of list) total += b.length;
      if (total * 2 > ref.image.size) {
        // Most of the file: one read, the bodies are views on it.
        const all = await fh.readFile();
        for (const b of list) got.set(b, all.subarray(b.at, b.at + b.length));
      } else {
        for (const b of list) {
          // Never a slice of Node's shared pool: releaseReadBack frees it whole.
          const buf = Buffer.allocUnsafeSlow(b.length);
          for (let n = 0; n < b.length; ) {
            const { bytesRead } = await fh.read(buf, n, b.length - n, b.at + n);
            if (bytesRead === 0) throw lost(ref, 'is shorter than written');
            n += bytesRead;
          }
          got.set(b, buf);
        }
      }
    } finally {
      await fh.close();
    }
  }
  return chunks.map((c) => (c instanceof OnFile ? got.get(c)! : c));
}

/**
 * After the write that needed them has settled: the bodies `resolveBodies` read back for it
 * (and nothing else) are freed now. They are read for that one write, the whole file at a
 * time when they are most of it, and would otherwise wait for a full collection: at a
 * burst of session ends that is every file's conversation read back once more.
 */
export function releaseReadBack(chunks: readonly Body[], resolved: readonly InMemory[]): void {
  for (let i = 0; i < chunks.length; i++) if (chunks[i] instanceof OnFile) releaseNow(resolved[i] as Buffer, true);
}

/** The same, blocking: process 'exit', and an annotation of a run whose steps are on disk. */
export function resolveBodiesSync(dir: string, chunks: readonly Body[]): InMemory[] {
  const files = byFile(chunks);
  if (files.size === 0) return chunks as InMemory[];
  const got = new Map<OnFile, Buffer>();
  for (const [ref, list] of files) {
    let fd: number;
    try {
      fd = openSync(pathInside(dir, ref.fileName), 'r');
    } catch {
      throw lost(ref, 'is gone');
    }
    try {
      if (!sameFile(fstatSync(fd), ref)) throw lost(ref, 'was changed by someone else');
      for (const b of list) {
        const buf = Buffer.allocUnsafe(b.length);
        for (let n = 0; n < b.length; ) {
          const read = readSync(fd, buf, n, b.length - n, b.at + n);
          if (read === 0) throw lost(ref, 'is shorter than written');
          n += read;
        }
        got.set(b, buf);
      }
    } finally {
      closeSync(fd);
    }
  }
  return chunks.map((c) => (c instanceof OnFile ? got.get(c)! : c));
}
