// Exponential backoff with full jitter, capped; a server's own delay (Retry-After,
// RetryInfo) wins when it gave one.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** Delay before attempt `failures + 1` after `failures` consecutive failures (>= 1). */
export function backoffDelay(failures: number, opts: BackoffOptions, serverSaidMs?: number, random: () => number = Math.random): number {
  if (serverSaidMs !== undefined) return Math.max(0, serverSaidMs);
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  // Half fixed, half random: outputs that failed together do not come back together.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
