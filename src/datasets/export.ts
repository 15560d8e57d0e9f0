// The export loop: files in sorted order, one document in memory at a time, each valid one
// turned into samples (its root, and with includeSubagents its embedded trajectories too),
// filtered, assigned to a split, appended to that split's JSONL file.

import type { AtifTrajectory } from '../outputs/atif/types.ts';
import type { AtifValidationError } from '../outputs/atif/validate.ts';
import { annotationsOf, trajectoryKey } from './annotations.ts';
import { allTrajectories } from './conversation.ts';
import { accepts, type FilterSpec } from './filters.ts';
import type { DatasetFormat } from './formats/format.ts';
import { JsonlOut } from './jsonl-out.ts';
import { readTrajectories } from './reader.ts';
import { assignSplit, splitFileName, type SplitPart } from './split.ts';

export interface ExportOptions {
  inDir: string;
  outFile: string;
  format: DatasetFormat;
  filters: FilterSpec;
  includeSubagents: boolean;
  split?: { parts: SplitPart[]; seed: string };
  withMeta: boolean;
  /** Called for every file that failed to parse or validate (it is skipped). */
  onInvalid?: (file: string, errors: AtifValidationError[]) => void;
}

export interface ExportSummary {
  files: number;
  invalid: number;
  samples: number;
  filteredOut: number;
  /** Trajectories with no assistant turn (nothing to learn from): no record written. */
  empty: number;
  bytesRead: number;
  /** Output file -> records written. */
  outputs: Record<string, number>;
}

export async function runExport(o: ExportOptions): Promise<ExportSummary> {
  const outs = new Map<string, JsonlOut>();
  const names = o.split ? o.split.parts.map((p) => p.name) : [''];
  for (const n of names) outs.set(n, new JsonlOut(n === '' ? o.outFile : splitFileName(o.outFile, n)));
  const summary: ExportSummary = { files: 0, invalid: 0, samples: 0, filteredOut: 0, empty: 0, bytesRead: 0, outputs: {} };
  try {
    for await (const entry of readTrajectories(o.inDir)) {
      summary.files++;
      summary.bytesRead += entry.bytes;
      if (!entry.ok) {
        summary.invalid++;
        o.onInvalid?.(entry.file, entry.errors);
        continue;
      }
      const root = entry.doc;
      const annotations = annotationsOf(root);
      const target = outs.get(o.split ? assignSplit(o.split.parts, o.split.seed, trajectoryKey(root, entry.file)) : '')!;
      const docs: Iterable<AtifTrajectory> = o.includeSubagents ? allTrajectories(root) : [root];
      for (const doc of docs) {
        if (!accepts(o.filters, root, doc)) {
          summary.filteredOut++;
          continue;
        }
        const record = o.format.sample({ doc, root, file: entry.file, annotations, withMeta: o.withMeta });
        if (record === undefined) {
          summary.empty++;
          continue;
        }
        await target.write(record);
        summary.samples++;
      }
    }
    for (const out of outs.values()) {
      await out.commit();
      summary.outputs[out.file] = out.lines;
    }
  } catch (err) {
    await Promise.all([...outs.values()].map((x) => x.abort()));
    throw err;
  }
  return summary;
}
