// One ATIF document per line, exactly as validated (an embedded subagent trajectory, with
// --include-subagents, is itself a valid document). No metadata field: ATIF forbids unknown
// keys, and the annotations are already in the root's extra.

import type { DatasetFormat } from './format.ts';

export const atifJsonl: DatasetFormat = {
  name: 'atif-jsonl',
  sample: (input) => input.doc as unknown as Record<string, unknown>,
};
