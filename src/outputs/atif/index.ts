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
      ...spillAfter(ctx.env ?? process.env),
    });
    return [sink, ...storage.sinks(sink)];
  },
};

/** NEMO_RELAY_ATIF_SPILL_AFTER_MS: how long a written file's run steps also stay in memory (tuning, tests). */
function spillAfter(env: Record<string, string | undefined>): { spillAfterMs?: number } {
  const raw = env.NEMO_RELAY_ATIF_SPILL_AFTER_MS;
  if (raw === undefined || raw.trim() === '') return {};
  const ms = Number(raw);
  return Number.isFinite(ms) && ms >= 0 ? { spillAfterMs: ms } : {};
}
