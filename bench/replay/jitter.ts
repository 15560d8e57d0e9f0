// The machine's own p99: a busy-wait as long as a typical handler call, timed exactly as the
// replay times handler calls (two hrtime reads around it). It allocates nothing and touches
// no memory, so every slow call is the machine: interrupts, the hypervisor, other work. On
// the 2-core VM the bench runs on, a 5 us spin has 2-34 calls of 20,000 over 45 us; a
// handler's p99 near 50 us is read against this, not against the empty-handler floor
// (whose calls last 0.05 us, too short for a stall to land in).

import { quantile } from './stats.ts';

export interface Jitter {
  spinUs: number;
  calls: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Calls over 45 us (the p99 target is 50). */
  over45: number;
}

export function machineJitter(spinUs = 5, calls = 20_000): Jitter {
  const spin = BigInt(Math.round(spinUs * 1000));
  const d = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    while (process.hrtime.bigint() - t0 < spin);
    d[i] = Number(process.hrtime.bigint() - t0);
  }
  d.sort();
  const q = (x: number) => Math.round(quantile(d, x) / 10) / 100;
  let over45 = 0;
  for (const v of d) if (v > 45_000) over45++;
  return { spinUs, calls, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: Math.round(d[calls - 1]! / 1000), over45 };
}
