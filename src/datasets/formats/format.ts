// One training-data format: a trajectory in, one JSONL record out (or none: a conversation
// with no assistant turn teaches nothing and is counted as empty instead).

import type { AtifTrajectory } from '../../outputs/atif/types.ts';
import type { Annotations } from '../annotations.ts';

export interface SampleInput {
  /** The trajectory the sample is made of: the root, or an embedded subagent trajectory. */
  doc: AtifTrajectory;
  /** The file's root trajectory (annotations live there). */
  root: AtifTrajectory;
  /** Path of the source file relative to --in. */
  file: string;
  annotations: Annotations;
  /** Add a `metadata` object (ids, file, annotations) to each record. */
  withMeta: boolean;
}

export interface DatasetFormat {
  name: string;
  sample(input: SampleInput): Record<string, unknown> | undefined;
}

/** The `metadata` record field: where the sample came from and what the episode scored. */
export function sampleMeta(input: SampleInput): Record<string, unknown> {
  const meta: Record<string, unknown> = { file: input.file };
  if (input.doc.trajectory_id !== undefined) meta['trajectory_id'] = input.doc.trajectory_id;
  if (input.doc.session_id !== undefined) meta['session_id'] = input.doc.session_id;
  if (input.doc !== input.root) meta['root_trajectory_id'] = input.root.trajectory_id ?? input.root.session_id ?? input.file;
  return { ...meta, ...input.annotations };
}
