// The ATIF exporter's public surface: the sink the runtime wires in, the pure builder and the
// validator (tests, demo, status checks).

export { createAtifSink } from './sink.ts';
export type { AtifSinkOptions } from './sink.ts';
export { buildTrajectory } from './trajectory.ts';
export { validateAtif, formatAtifErrors } from './validate.ts';
export type { AtifValidationError, AtifValidationResult } from './validate.ts';
export { ATIF_SCHEMA_VERSION } from './types.ts';
export type { AtifTrajectory, AtifMeta } from './types.ts';
