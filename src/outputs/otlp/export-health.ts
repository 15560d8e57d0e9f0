// Health bookkeeping shared by the metrics and logs outputs: one per endpoint, fed by the
// result callback of each export request, read by health(). Never throws.

export interface EndpointHealth {
  /** Items (data points, log records) a collector accepted. */
  exported: number;
  /** Failed export requests. */
  failures: number;
  /** Items lost in failed requests. */
  failedItems: number;
  inFlight: number;
  lastSuccessTime?: number;
  lastError?: { time: number; message: string };
  /** A failure happened and no success followed it yet. */
  degraded: boolean;
}

export class ExportHealth {
  readonly stats: EndpointHealth = { exported: 0, failures: 0, failedItems: 0, inFlight: 0, degraded: false };
  private readonly now: () => number;
  private readonly describe: (error: unknown) => string;

  constructor(now: () => number, describe: (error: unknown) => string) {
    this.now = now;
    this.describe = describe;
  }

  started(): void {
    this.stats.inFlight++;
  }

  succeeded(items: number): void {
    this.stats.inFlight = Math.max(0, this.stats.inFlight - 1);
    this.stats.exported += items;
    this.stats.lastSuccessTime = this.now();
    this.stats.degraded = false;
  }

  failed(items: number, error: unknown): void {
    this.stats.inFlight = Math.max(0, this.stats.inFlight - 1);
    this.stats.failures++;
    this.stats.failedItems += items;
    this.stats.degraded = true;
    this.stats.lastError = { time: this.now(), message: this.describe(error) };
  }

  /** A setup error: the endpoint never worked and never will (bad URL, bad header). */
  broken(error: unknown): void {
    this.stats.failures++;
    this.stats.degraded = true;
    this.stats.lastError = { time: this.now(), message: this.describe(error) };
  }

  snapshot(): EndpointHealth {
    return { ...this.stats, ...(this.stats.lastError ? { lastError: { ...this.stats.lastError } } : {}) };
  }
}

/** Runs `fn` so that `done` is called exactly once: with the exporter's result, or a timeout. */
export function guardedExport<R extends { code: number; error?: Error }>(
  timeoutMillis: number,
  fn: (callback: (result: R) => void) => void,
  done: (result: R | { code: 1; error: Error }) => void,
): void {
  let finished = false;
  const finish = (result: R | { code: 1; error: Error }) => {
    if (finished) return;
    finished = true;
    clearTimeout(guard);
    done(result);
  };
  // The exporters bound each request themselves; this only covers one that never calls back.
  const guard = setTimeout(() => finish({ code: 1, error: new Error(`export did not finish within ${timeoutMillis} ms`) }), timeoutMillis + 2000);
  guard.unref();
  try {
    fn(finish);
  } catch (error) {
    finish({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
  }
}
