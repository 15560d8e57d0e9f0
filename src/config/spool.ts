// The durable export queue's settings of one trace endpoint: the memory budget and the disk
// spool (on by default, one folder per output under the OpenClaw state directory).

import { join } from 'node:path';
import type { EndpointContext } from './endpoint.ts';
import { type Obj, int, isObj, str } from './read.ts';
import type { OtlpSpoolConfig } from './types.ts';

export const DEFAULT_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

export function readQueueBudget(name: string, o: Obj, ctx: EndpointContext): { memoryBudgetBytes: number; spool?: OtlpSpoolConfig } {
  return { memoryBudgetBytes: int(o.memory_budget_bytes, DEFAULT_MEMORY_BUDGET_BYTES), ...readSpool(name, o.spool, ctx) };
}

/** On unless `spool.enabled: false`. */
function readSpool(name: string, raw: unknown, ctx: EndpointContext): { spool?: OtlpSpoolConfig } {
  const s = isObj(raw) ? raw : {};
  if (s.enabled === false) return {};
  const folder = name.replace(/[^A-Za-z0-9._-]+/g, '_');
  return {
    spool: {
      directory: ctx.resolvePath(str(s.directory) ?? join('nemo-relay', 'spool', folder)),
      maxBytes: int(s.max_bytes, 1024 * 1024 * 1024),
      maxAgeMs: durationMs(s.max_age) ?? 24 * 3600_000,
    },
  };
}

/** Seconds (a number) or `<n>ms|s|m|h|d`; undefined when absent or unreadable (the schema reports it). */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v * 1000;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
