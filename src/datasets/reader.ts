// Streams a folder of ATIF files, one document at a time, in a fixed order: the byte order of
// the paths relative to the folder (not the locale's), so two runs over the same files give
// the same output. Only the sorted names are held for the whole walk (~100 bytes a file); each
// document is read, parsed, validated and handed over before the next one is read.
// Files: `*.json` anywhere below the folder; dot files (the ATIF writer's temp files and
// journals) and dot folders are skipped.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AtifTrajectory } from '../export/atif/types.ts';
import { validateAtif, type AtifValidationError } from '../export/atif/validate.ts';

export type TrajectoryEntry =
  | { file: string; ok: true; doc: AtifTrajectory; bytes: number }
  | { file: string; ok: false; errors: AtifValidationError[]; bytes: number };

/** Relative paths of the candidate files, sorted by UTF-16 code units. */
export async function listTrajectoryFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && e.name.endsWith('.json')) out.push(child);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads and checks one file; a parse failure is reported like a schema failure, at path `/`. */
export async function readTrajectory(dir: string, file: string): Promise<TrajectoryEntry> {
  let text: string;
  try {
    text = await readFile(path.join(dir, file), 'utf8');
  } catch (err) {
    return { file, ok: false, bytes: 0, errors: [{ path: '/', message: `cannot read: ${(err as Error).message}` }] };
  }
  const bytes = Buffer.byteLength(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { file, ok: false, bytes, errors: [{ path: '/', message: `not JSON: ${(err as Error).message}` }] };
  }
  const res = validateAtif(doc);
  if (!res.valid) return { file, ok: false, bytes, errors: res.errors };
  return { file, ok: true, bytes, doc: doc as AtifTrajectory };
}

export async function* readTrajectories(dir: string): AsyncGenerator<TrajectoryEntry> {
  for (const file of await listTrajectoryFiles(dir)) yield await readTrajectory(dir, file);
}
