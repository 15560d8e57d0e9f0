// Percentiles of handler-call durations, overall and per hook.

export interface Dist {
  calls: number;
  /** microseconds */
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** total microseconds spent in these calls */
  total: number;
}

export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function dist(ns: Float64Array): Dist {
  const sorted = Float64Array.from(ns).sort();
  let total = 0;
  for (const v of sorted) total += v;
  const us = (v: number) => Math.round(v / 10) / 100;
  return {
    calls: sorted.length,
    p50: us(quantile(sorted, 0.5)),
    p99: us(quantile(sorted, 0.99)),
    max: us(sorted.length ? sorted[sorted.length - 1]! : 0),
    mean: us(sorted.length ? total / sorted.length : 0),
    total: us(total),
  };
}

export function perHook(durations: Float64Array, hooks: Uint8Array, names: string[]): Record<string, Dist> {
  const out: Record<string, Dist> = {};
  const counts = new Array<number>(names.length).fill(0);
  for (const h of hooks) counts[h]!++;
  const buckets = counts.map((c) => new Float64Array(c));
  const fill = new Array<number>(names.length).fill(0);
  for (let i = 0; i < durations.length; i++) {
    const h = hooks[i]!;
    buckets[h]![fill[h]!++] = durations[i]!;
  }
  names.forEach((name, i) => {
    if (counts[i]! > 0) out[name] = dist(buckets[i]!);
  });
  return out;
}
