// The lane all background CPU work runs in: finalizing a run (capture policy, input
// assembly), rendering an ATIF checkpoint, building and serializing a batch of spans. It
// shares the event loop with OpenClaw, and hooks are the agent's critical path, so while
// hooks keep arriving the lane takes at most `share` of the loop's time (a tenth by default);
// when they pause it runs freely, in short slices.
//
// "Hooks keep arriving" is a counter the runtime bumps on every dispatch (no clock read on
// the hook path): if it moved since the lane last looked, the gateway is busy. Under busy,
// after a unit that took d ms, the next one waits d * (1 - share) / share: a unit is granted
// at least that often, so exports always make progress. If hooks arrive faster than a tenth
// of the loop can keep up with, the backlog ages: once the oldest unit has waited a second the
// lane takes half the loop, after five seconds it stops yielding. A burst is absorbed, but
// under sustained load the wait, and with it what the lane holds (finished runs waiting to be
// finalized and exported), stays bounded.

import { performance } from 'node:perf_hooks';


export interface BackgroundOptions {
  /** Largest part of the loop the lane takes while hooks are arriving (0 < share <= 1). */
  share?: number;
  /** How often the lane looks again while it is holding back (ms). */
  recheckMs?: number;
  /** Longest run of units without yielding to the loop when hooks are quiet (ms). */
  sliceMs?: number;
  /** Oldest unit's wait after which the lane takes half the loop, then all of it (ms). */
  softAgeMs?: number;
  hardAgeMs?: number;
  now?: () => number;
}

interface Unit {
  fn: () => unknown;
  /** When it was queued (lane clock). */
  at: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class BackgroundLane {
  private readonly share: number;
  private readonly recheckMs: number;
  private readonly sliceMs: number;
  private readonly softAgeMs: number;
  private readonly hardAgeMs: number;
  private readonly now: () => number;
  private readonly units: Unit[] = [];
  private head = 0;
  private hooks = 0;
  private seenHooks = 0;
  private nextBusyGrant = 0;
  private urgent = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Units run, how many of them had to wait for a busy period's turn, and the longest one (ms). */
  readonly stats = { units: 0, heldBack: 0, busyMs: 0, longestUnitMs: 0 };

  constructor(opts: BackgroundOptions = {}) {
    this.share = Math.min(1, Math.max(0.01, opts.share ?? 0.1));
    this.recheckMs = Math.max(1, opts.recheckMs ?? 2);
    this.sliceMs = Math.max(1, opts.sliceMs ?? 8);
    this.softAgeMs = opts.softAgeMs ?? 1_000;
    this.hardAgeMs = Math.max(this.softAgeMs, opts.hardAgeMs ?? 5_000);
    this.now = opts.now ?? (() => performance.now());
  }

  /** Called on every hook dispatch: one increment. */
  noteHook(): void {
    this.hooks++;
  }

  /** From now on units run as soon as the loop is free (shutdown, flush at stop). */
  hurry(): void {
    this.urgent = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake();
  }

  /** Process 'exit': no loop is left, so whatever is queued runs here, in order. */
  drainSync(): void {
    this.urgent = true;
    while (this.pending > 0) this.runOne();
  }

  /** Resolves once every unit queued before the call has run. */
  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : this.run(() => undefined);
  }

  get pending(): number {
    return this.units.length - this.head;
  }

  /** Runs `fn` on the lane (never inside the caller's stack); resolves with its result. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.units.push({ fn, at: this.now(), resolve: resolve as (v: unknown) => void, reject });
      this.wake();
    });
  }

  private wake(): void {
    if (this.immediate !== undefined || this.timer !== undefined || this.pending === 0) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
  }

  private pump(): void {
    const busy = this.hooks !== this.seenHooks && !this.urgent;
    this.seenHooks = this.hooks;
    const start = this.now();
    if (busy) {
      if (start < this.nextBusyGrant) {
        this.stats.heldBack++;
        return this.later(Math.min(this.recheckMs, this.nextBusyGrant - start));
      }
      const age = start - (this.units[this.head]?.at ?? start);
      const share = age > this.hardAgeMs ? 1 : age > this.softAgeMs ? Math.max(this.share, 0.5) : this.share;
      // One unit per turn; a whole slice once the backlog says the lane must catch up.
      do this.runOne();
      while (share >= 1 && this.pending > 0 && this.now() - start < this.sliceMs);
      const took = this.now() - start;
      this.stats.busyMs += took;
      this.nextBusyGrant = start + took / share;
      const wait = this.nextBusyGrant - this.now();
      return wait > 0 ? this.later(wait) : this.wake();
    }
    // Quiet: run units back to back for one slice, then let I/O and hooks in.
    do this.runOne();
    while (this.pending > 0 && this.now() - start < this.sliceMs);
    if (this.pending > 0) this.wake();
  }

  private later(ms: number): void {
    if (this.pending === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.ceil(ms));
  }

  private runOne(): void {
    const unit = this.units[this.head];
    if (!unit) return;
    this.units[this.head++] = undefined as unknown as Unit;
    if (this.head > 1024 && this.head * 2 > this.units.length) {
      this.units.splice(0, this.head);
      this.head = 0;
    }
    this.stats.units++;
    const start = this.now();
    try {
      unit.resolve(unit.fn());
    } catch (err) {
      unit.reject(err);
    }
    // A unit cannot be cut: the longest is what the lane can cost the loop at once (status).
    const took = this.now() - start;
    if (took > this.stats.longestUnitMs) this.stats.longestUnitMs = took;
  }
}

/** For sinks used on their own (tests, tools): runs every unit on the next turn of the loop. */
export const IMMEDIATE_LANE = new BackgroundLane({ share: 1 });
IMMEDIATE_LANE.hurry();
