// Deterministic train/val/... assignment. A trajectory's split depends only on the seed and its
// own id (sha256 of both -> a number in [0, 1) -> the split whose cumulative share covers it),
// so adding or removing other files never moves it, and a run with the same seed reproduces
// the split exactly. Subagent samples use their root's id: an episode never straddles splits.

import { createHash } from 'node:crypto';
import path from 'node:path';

export interface SplitPart {
  name: string;
  share: number;
}

export function parseSplit(s: string): SplitPart[] {
  const parts: SplitPart[] = [];
  for (const item of s.split(',')) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(item);
    if (!m) throw new Error(`--split: "${item}" is not NAME=SHARE (e.g. train=0.9,val=0.1)`);
    const name = m[1]!;
    const share = Number(m[2]);
    if (parts.some((p) => p.name === name)) throw new Error(`--split: "${name}" is named twice`);
    if (!(share > 0)) throw new Error(`--split: share of "${name}" must be above 0, found ${m[2]}`);
    parts.push({ name, share });
  }
  const total = parts.reduce((a, p) => a + p.share, 0);
  if (Math.abs(total - 1) > 1e-6) throw new Error(`--split: shares must add up to 1, found ${Number(total.toFixed(6))}`);
  return parts;
}

export function parseSeed(s: string | undefined): string {
  if (s === undefined) return '0';
  if (!/^-?\d+$/.test(s.trim())) throw new Error(`--seed: "${s}" is not an integer`);
  return String(BigInt(s.trim()));
}

/** A number in [0, 1) from seed and id: 48 bits of sha256, exact in a double. */
export function unitHash(seed: string, id: string): number {
  const h = createHash('sha256').update(`${seed}\u0000${id}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

export function assignSplit(parts: readonly SplitPart[], seed: string, id: string): string {
  const u = unitHash(seed, id);
  let acc = 0;
  for (const p of parts) {
    acc += p.share;
    if (u < acc) return p.name;
  }
  return parts[parts.length - 1]!.name; // rounding: shares add up to 1 within 1e-6
}

/** `data.jsonl` + `train` -> `data.train.jsonl`; no extension: `data` -> `data.train`. */
export function splitFileName(file: string, split: string): string {
  const ext = path.extname(file);
  const base = ext ? file.slice(0, -ext.length) : file;
  return `${base}.${split}${ext}`;
}
