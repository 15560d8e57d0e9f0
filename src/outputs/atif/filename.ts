// File names for trajectory files. Session ids and keys come from hook payloads, i.e. from
// whoever talks to the gateway: `../../etc/passwd`, NUL, newlines or 10 kB ids must produce a
// harmless name inside output_directory. Every placeholder value is reduced to
// [A-Za-z0-9._-] and capped, and the finished name is checked to be one plain entry of the
// directory before anyone opens it.

import { createHash } from 'node:crypto';
import path from 'node:path';

export interface FilenameValues {
  session_id: string;
  session_key: string;
  agent_id: string;
  trajectory_id: string;
  started_at: string;
}

const PLACEHOLDER = /\{(session_id|session_key|agent_id|trajectory_id|started_at)\}/g;
/** Per value; long ids keep a prefix plus a hash of the whole id, so distinct ids stay distinct. */
const MAX_VALUE = 96;
/** Leaves room for the temp-file affixes within NAME_MAX (255). */
const MAX_NAME = 180;
export const DEFAULT_TEMPLATE = '{session_id}.json';

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** Only [A-Za-z0-9._-]; anything else (separators, NUL, newlines, `:`) becomes `_`. */
export function sanitizeValue(raw: string, max = MAX_VALUE): string {
  let s = raw.replace(/[^A-Za-z0-9._-]/g, '_');
  if (s.length > max) s = `${s.slice(0, max - 13)}-${shortHash(raw)}`;
  return s.length > 0 ? s : '_';
}

/** Compact, filename-friendly UTC time (`20261121T021600Z`), or `unknown`. */
export function fileTime(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'unknown';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return 'unknown';
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function renderFilename(template: string, values: FilenameValues): string {
  const filled = (template || DEFAULT_TEMPLATE).replace(PLACEHOLDER, (_m, key: keyof FilenameValues) => sanitizeValue(values[key]));
  // The template's literal text gets the same treatment: the result is a single name, never a path.
  let name = filled.replace(/[^A-Za-z0-9._-]/g, '_');
  if (name.length > MAX_NAME) name = `${name.slice(0, MAX_NAME - 18)}-${shortHash(filled)}.json`;
  // `.`, `..` and names made only of dots would name a directory, not a file in it.
  if (/^\.*$/.test(name)) name = `${sanitizeValue(values.trajectory_id)}.json`;
  // Never a dot file: hidden from `ls` and `*.json` globs, and the writer's own temp files and
  // journals are dot files (a session id must not be able to pose as one).
  if (name.startsWith('.')) name = `_${name}`;
  return name;
}

/** The absolute path of `name` inside `dir`; throws if it would land anywhere else. */
export function pathInside(dir: string, name: string): string {
  const base = path.resolve(dir);
  const full = path.resolve(base, name);
  if (path.dirname(full) !== base || path.basename(full) !== name || name === '.' || name === '..' || name.includes('\0')) {
    throw new Error(`refusing trajectory file name outside ${base}: ${JSON.stringify(name.slice(0, 80))}`);
  }
  return full;
}
