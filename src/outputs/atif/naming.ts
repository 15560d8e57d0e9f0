// Which file a top-level session is written to. The name comes from filename_template
// (sanitized, see filename.ts); this module keeps it stable and unshared:
//   - two sessions of this process never get the same file (claims);
//   - a file this process did not write is never replaced: an earlier process may have
//     written the same session id (OpenClaw reuses a key's sessionId across
//     `openclaw agent` invocations), and a key's later segments are separate documents;
//   - the name is recomputed at each write, so a file first named by session key follows the
//     session id once a hook reveals it (the caller removes the old file).

import { lstatSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import type { Session } from '../../trace/model.ts';
import { fileTime, pathInside, renderFilename, sanitizeValue } from './filename.ts';
import { lruInsert } from '../../util/lru.ts';

/** Remembered names are bounded: a long-lived gateway sees unbounded sessions. */
const MAX_CLAIMS = 10_000;

export interface NameIds {
  sessionId: string | undefined;
  trajectoryId: string;
}

export interface NameChoice {
  /** Template output the name was derived from (same base -> same name, no disk check). */
  baseName: string;
  fileName: string;
}

export class FileNamer {
  private readonly dir: string;
  private readonly template: string;
  // file name -> the claiming session's span id: an id, not the Session, so a finished
  // session's whole tree is not kept alive by the name it used.
  private readonly claims = new Map<string, string>();
  /**
   * Session span id -> its file. Survives the writer's state after a final write, for
   * sessions re-parented later; keyed by id because a session arrives both live and as
   * frozen snapshots (different objects). Bounded like the claims.
   */
  private readonly owned = new Map<string, string>();

  constructor(dir: string, template: string) {
    this.dir = dir;
    this.template = template;
  }

  ownedBy(root: Session): string | undefined {
    return this.owned.get(root.spanId);
  }

  async choose(root: Session, ids: NameIds, current: Partial<NameChoice>): Promise<NameChoice> {
    const base = this.baseName(root, ids);
    if (current.fileName !== undefined && current.baseName === base) return { baseName: base, fileName: current.fileName };
    for (const name of this.candidates(root, base)) {
      if (this.claims.get(name) === root.spanId) return this.claim(root, base, name);
      if (this.claims.get(name) !== undefined) continue;
      const taken = await exists(pathInside(this.dir, name));
      // Other files' writers run concurrently: one of them may have claimed this name while we
      // looked at the disk (two sessions with the same id ending together). Check again.
      const owner = this.claims.get(name);
      if (owner === root.spanId || (owner === undefined && !taken)) return this.claim(root, base, name);
    }
    throw new Error(`no free trajectory file name for ${base}`);
  }

  /** The same, blocking: only for process 'exit'. */
  chooseSync(root: Session, ids: NameIds, current: Partial<NameChoice>): NameChoice {
    const base = this.baseName(root, ids);
    if (current.fileName !== undefined && current.baseName === base) return { baseName: base, fileName: current.fileName };
    for (const name of this.candidates(root, base)) {
      const owner = this.claims.get(name);
      if (owner === root.spanId || (owner === undefined && !existsSync(pathInside(this.dir, name)))) return this.claim(root, base, name);
    }
    throw new Error(`no free trajectory file name for ${base}`);
  }

  private baseName(root: Session, ids: NameIds): string {
    return renderFilename(this.template, {
      session_id: ids.sessionId ?? root.sessionKey,
      session_key: root.sessionKey,
      agent_id: root.agentId ?? 'unknown',
      trajectory_id: ids.trajectoryId,
      started_at: fileTime(root.startTime),
    });
  }

  /** The base name, then -2 .. -99, then a suffix unique to this session object. */
  private *candidates(root: Session, base: string): Generator<string> {
    yield base;
    for (let n = 2; n < 100; n++) yield withSuffix(base, String(n));
    yield withSuffix(base, sanitizeValue(`${root.traceId}-${root.spanId}`, 40));
  }

  /** The file is gone (renamed, or its session moved into its root's file). */
  release(root: Session, name: string): void {
    if (this.claims.get(name) === root.spanId) this.claims.delete(name);
    if (this.owned.get(root.spanId) === name) this.owned.delete(root.spanId);
  }

  private claim(root: Session, base: string, name: string): NameChoice {
    this.owned.delete(root.spanId);
    lruInsert(this.owned, root.spanId, name, MAX_CLAIMS);
    this.claims.delete(name);
    lruInsert(this.claims, name, root.spanId, MAX_CLAIMS);
    return { baseName: base, fileName: name };
  }
}

function withSuffix(name: string, suffix: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${suffix}${name.slice(dot)}` : `${name}-${suffix}`;
}

// Only "not there" frees a name; anything else (ENOTDIR, EACCES) fails the write.
const notThere = (err: unknown): false => {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  throw err;
};

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(() => true, notThere);
}

function existsSync(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch (err) {
    return notThere(err);
  }
}
