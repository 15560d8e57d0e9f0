// The oracle's ledger: what the fuzz test expects the plugin to have accounted for, kept
// independently of the plugin. Each delivery is judged by contract.ts (an independent
// statement of the payload contract) BEFORE the handlers see it, so the plugin is never
// what decides what counts; after a stream, status must agree with the ledger exactly.

import fc from 'fast-check';
import { expect } from 'vitest';
import { parseHook } from '../../../../src/ingest/parse.ts';
import { SUBSCRIBED_HOOKS } from '../../../../src/ingest/hook-names.ts';
import { expectedParse } from '../contract.ts';
import type { status } from '../helpers.ts';
import { MALFORMED_SAMPLES_CAP } from '../../../../src/util/caps.ts';

export interface Ledger {
  deliveries: number;
  events: Record<string, number>;
  malformed: Record<string, number>;
  duplicates: number;
  reachedEngine: number;
  /** Event objects already delivered, per hook: a second delivery is a duplicate. */
  seen: Map<string, WeakSet<object>>;
}

export const newLedger = (): Ledger => ({ deliveries: 0, events: {}, malformed: {}, duplicates: 0, reachedEngine: 0, seen: new Map() });

/** Across all streams of the run: proof the generator reached the interesting places. */
export const totals = { deliveries: 0 };
export const tally = { streams: 0, files: 0, malformed: 0, duplicates: 0, stoppedMidStream: 0, evicted: 0, expired: 0 };
/** Where a stream's time goes (ms, summed), for the closing log line. */
export const phases = { ops: 0, checks: 0, stop: 0, files: 0 };

/**
 * Enters one delivery of `event` to a hook the plugin handles, as the contract predicts it.
 * Throws at once, naming the payload, when src/ingest/parse.ts disagrees with the contract
 * (the status counters compared later are the real check; this says which event).
 */
export function recordDelivery(L: Ledger, hook: string, event: unknown, ctx: unknown): void {
  let dup = false;
  if (typeof event === 'object' && event !== null) {
    let set = L.seen.get(hook);
    if (!set) L.seen.set(hook, (set = new WeakSet()));
    dup = set.has(event);
    set.add(event);
  }
  L.deliveries++;
  if (dup) L.duplicates++;
  else {
    const x = expectedParse(hook, event, ctx);
    // Per event, so a disagreement names the payload (the counters below are the real check).
    const parsed = parseHook(hook, event, ctx, 0);
    if ((parsed.problems.length > 0) !== x.malformed || !parsed.event !== x.rejected) {
      throw new Error(`${hook}: contract says ${JSON.stringify(x)}, parser found ${JSON.stringify(parsed.problems)} (event ${parsed.event ? 'kept' : 'rejected'}); payload ${preview({ event, ctx })}`);
    }
    L.events[hook] = (L.events[hook] ?? 0) + 1;
    if (x.malformed) L.malformed[hook] = (L.malformed[hook] ?? 0) + 1;
    if (!x.rejected) L.reachedEngine++;
  }
}

/** Status counts exactly what was fed; then the stream's figures join the run's tally. */
export function expectStatusMatchesLedger(s: Awaited<ReturnType<typeof status>>, engineEvents: number, L: Ledger): void {
  const expectedEvents: Record<string, number> = {};
  for (const h of SUBSCRIBED_HOOKS) expectedEvents[h] = L.events[h] ?? 0;
  expect(diff(s.counters.hookEvents, expectedEvents), 'hook events: status vs fed').toEqual([]);
  expect(diff(s.counters.malformedEvents, L.malformed), `malformed: status vs contract; samples ${JSON.stringify(s.malformedSamples.slice(-3))}`).toEqual([]);
  expect(s.counters.malformedTotal).toBe(Object.values(L.malformed).reduce((a, b) => a + b, 0));
  expect(s.counters.duplicateDeliveries).toBe(L.duplicates);
  expect(s.counters.hookEventsTotal + s.counters.duplicateDeliveries).toBe(L.deliveries);
  expect(engineEvents).toBe(L.reachedEngine);
  expect(s.counters.internalErrors, JSON.stringify(s.lastInternalError)).toBe(0);
  expect(s.malformedSamples.length).toBeLessThanOrEqual(MALFORMED_SAMPLES_CAP);
  totals.deliveries += L.deliveries;
  tally.malformed += s.counters.malformedTotal;
  tally.duplicates += s.counters.duplicateDeliveries;
  tally.evicted += s.counters.sessionsEvicted;
  tally.expired += s.counters.recordsExpired;
}

function preview(v: unknown): string {
  try {
    return fc.stringify(v).slice(0, 3000);
  } catch {
    return '(unprintable)';
  }
}

function diff(actual: Record<string, number>, expected: Record<string, number>): string[] {
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  return [...keys].filter((k) => (actual[k] ?? 0) !== (expected[k] ?? 0)).map((k) => `${k}: ${actual[k] ?? 0} != ${expected[k] ?? 0}`);
}
