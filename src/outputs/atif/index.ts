// The ATIF exporter's public surface: the sink the runtime wires in, the pure builder and the
// validator (tests, demo, status checks).

export { createAtifSink } from './sink.ts';
export type { AtifSinkOptions } from './sink.ts';
export { buildTrajectory } from './trajectory.ts';
export { validateAtif, formatAtifErrors } from './validate.ts';
export type { AtifValidationError, AtifValidationResult } from './validate.ts';
export { ATIF_SCHEMA_VERSION } from './types.ts';
export type { AtifTrajectory, AtifMeta } from './types.ts';

import type { OutputEntry } from '../registry.ts';
import { createAtifSink as create } from './sink.ts';
import { storageWiring } from './storage-sinks.ts';

/** The registry entry: one ATIF sink when `atif` is enabled, then one entry per `atif.storage` store. */
export const atifOutput: OutputEntry = {
  name: 'atif',
  sampled: 'atif',
  create(config, ctx) {
    if (!config.atif?.enabled) return [];
    const enrichment = ctx.enrichment;
    const storage = storageWiring(config.atif, ctx.env ?? process.env);
    const sink = create(config.atif, {
      openclawVersion: ctx.openclawVersion,
      pluginVersion: ctx.pluginVersion,
      lane: ctx.lane,
      ...(enrichment ? { rootExtra: (root) => enrichment.atifExtraForSession(root) as Record<string, unknown> | undefined } : {}),
      ...(storage.onWritten ? { onWritten: storage.onWritten } : {}),
      ...spillTuning(ctx.env ?? process.env),
    });
    return [sink, ...storage.sinks(sink)];
  },
};

/**
 * NEMO_RELAY_ATIF_SPILL_AFTER_MS: how long a written file's run steps also stay in memory;
 * NEMO_RELAY_ATIF_UNSPILLED_BYTES: how many bytes of them all files keep at most (tuning, tests).
 */
function spillTuning(env: Record<string, string | undefined>): { spillAfterMs?: number; unspilledBudgetBytes?: number } {
  const spillAfterMs = nonNegative(env.NEMO_RELAY_ATIF_SPILL_AFTER_MS);
  const unspilledBudgetBytes = nonNegative(env.NEMO_RELAY_ATIF_UNSPILLED_BYTES);
  return { ...(spillAfterMs !== undefined ? { spillAfterMs } : {}), ...(unspilledBudgetBytes !== undefined ? { unspilledBudgetBytes } : {}) };
}

function nonNegative(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
