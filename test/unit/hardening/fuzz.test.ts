// Property-based hardening of the hook path: fast-check streams of generated and mutated
// real events (>= 100,000 deliveries in total) go to the REAL registered handlers of a
// "full" and a "discovery" plugin instance (one shared runtime), with the ATIF sink and an
// OTLP output to a real receiver switched on.
//
// Generated: wrong types, missing and extra fields, non-object events and contexts, huge
// strings, deep nesting, cycles, BigInts, null-prototype objects, Maps and Sets, ids with
// `../`, NUL, newlines and 10 kB of text, events out of order, delivered twice (same object,
// to either instance), cloned, routed to the wrong hook, interleaved across sessions, plus
// retagged copies of recorded OpenClaw streams with their own mutations; the clock jumps
// past grace windows and TTLs in the middle of runs.
//
// Invariants, per stream:
//   - no handler throws; every handler returns undefined (gateway_stop: a promise that settles);
//   - status counts exactly what was fed: events per hook, malformed per hook (predicted by
//     contract.ts, an independent statement of the payload contract), duplicate deliveries,
//     events that reached the engine; no internal error;
//   - the correlation caps hold after every single delivery: open sessions, open runs,
//     buffered records, the engine's side tables;
//   - once the TTLs have passed, everything is released;
//   - every file in output_directory is a plain, safely named, 0600, valid ATIF document, the
//     folder is 0700, nothing lands outside it, no temp file is left; the OTLP output never
//     fails to build or send a span.
//
// The pieces: fuzz/world.ts (ids and fixtures drawn from), fuzz/arbitraries.ts (the
// generators), fuzz/hostile.ts (cycles, deep nesting, throwing objects), fuzz/ledger.ts (what
// must be accounted for), fuzz/caps.ts (the caps checked after every delivery) and
// fuzz/stream-runner.ts (one stream, end to end). Runs as its own vitest project, `fuzz`.

import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SUBSCRIBED_HOOKS } from '../../../src/ingest/hook-names.ts';
import { fire } from '../../support/fake-host.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.ts';
import { expectedParse } from './contract.ts';
import { agentSteps, fixture, inspectAtifDir, play, pluginConfig, scratch, setupPlugin, status, stopGateway, removeScratch } from './helpers.ts';
import { inst, pick, streamArb } from './fuzz/arbitraries.ts';
import { hostile, type Hostile } from './fuzz/hostile.ts';
import { phases, tally, totals } from './fuzz/ledger.ts';
import { freshCopy } from './fuzz/recorded.ts';
import { runStream } from './fuzz/stream-runner.ts';
import { FIXTURES, GEN_HOOKS } from './fuzz/world.ts';

afterAll(removeScratch);

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('fuzzing the registered hook handlers', () => {
  it('hostile objects (throwing getters, Proxies, revoked Proxies, throwing toJSON/toString) never escape, and the runtime keeps working', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            hook: pick(GEN_HOOKS),
            kind: pick<Hostile>(['proxy', 'getter', 'content-getter', 'tojson', 'toprimitive', 'revoked']),
            field: pick(['sessionKey', 'sessionId', 'runId', 'callId', 'message', 'toolName', 'error', 'usage', 'params', 'result', 'childSessionKey']),
            inCtx: fc.boolean(),
            inst,
          }),
          { minLength: 200, maxLength: 300 },
        ),
        async (ops) => {
          const out = join(scratch('nr-hostile-'), 'out');
          const p = setupPlugin(pluginConfig(out));
          const instances = [p.full, p.discovery];
          for (const op of ops) {
            const value = hostile(op.kind, op.field);
            const results = op.inCtx ? fire(instances[op.inst]!, op.hook, { sessionKey: 'agent:main:hostile' }, value) : fire(instances[op.inst]!, op.hook, value, { sessionKey: 'agent:main:hostile' });
            expect(results.every((r) => r === undefined)).toBe(true);
          }
          p.runtime.tick();
          const before = await status(p);
          expect(before.counters.hookEventsTotal).toBe(ops.length);
          // Every hostile delivery is accounted for: malformed, an internal error, or an event the engine took.
          expect(before.counters.malformedTotal + before.counters.internalErrors).toBeGreaterThan(0);
          // Still working: a recorded turn afterwards becomes its own valid file with all its model calls.
          await play(p, freshCopy(0, 'after-hostile'));
          await stopGateway(p);
          const report = inspectAtifDir(out);
          expect(report.problems).toEqual([]);
          expect(report.strays).toEqual([]);
          const doc = [...report.docs.values()].find((d) => d.extra?.openclaw?.session_key === 'agent:main:fx-tool~after-hostile');
          expect(doc, 'the clean turn after the hostile stream').toBeDefined();
          expect(agentSteps(doc!)).toHaveLength(3);
        },
      ),
      { numRuns: 15, endOnFailure: true },
    );
  });

  it('recorded OpenClaw streams are clean by the contract (the oracle agrees with real payloads)', async () => {
    for (const name of FIXTURES) {
      for (const r of fixture(name)) {
        if (!SUBSCRIBED_HOOKS.includes(r.hook as never)) continue;
        expect(expectedParse(r.hook, r.event, r.ctx), `${name} ${r.hook}`).toEqual({ malformed: false, rejected: false });
      }
      const p = setupPlugin(pluginConfig(undefined));
      for (const r of fixture(name)) {
        const results = fire(r.registrationMode === 'full' ? p.full : p.discovery, r.hook, r.event, r.ctx);
        if (r.hook === 'gateway_stop') await Promise.all(results);
      }
      const s = await status(p);
      expect(s.counters.malformedTotal, name).toBe(0);
      expect(s.counters.internalErrors, name).toBe(0);
    }
  });

  it('>= 100,000 generated deliveries: nothing escapes, everything is counted, caps hold, every file is valid', async () => {
    const started = performance.now();
    let index = 0;
    const details = await fc.check(
      fc.asyncProperty(streamArb, async (stream) => {
        await runStream(stream, index++, receiver);
      }),
      // No shrinking: a stream is a thousand events; the seed and path replay the failure.
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100), endOnFailure: true, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {}) },
    );
    if (details.failed) {
      // The counterexample itself is megabytes of text; say how to replay it instead.
      const err = details.errorInstance as Error | undefined;
      throw new Error(`fuzz stream failed (replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath}): ${err?.message}\n${err?.stack ?? ''}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`[fuzz] ${totals.deliveries} deliveries in ${tally.streams} streams, ${seconds.toFixed(1)} s; ${JSON.stringify(tally)} ${JSON.stringify(phases)}`);
    expect(totals.deliveries).toBeGreaterThanOrEqual(100_000);
    // The generator really reached the interesting places.
    expect(tally.malformed).toBeGreaterThan(10_000);
    expect(tally.duplicates).toBeGreaterThan(1_000);
    expect(tally.files).toBeGreaterThan(100);
    expect(tally.evicted).toBeGreaterThan(0);
    expect(tally.expired).toBeGreaterThan(0);
    expect(tally.stoppedMidStream).toBeGreaterThan(0);
  }, 240_000);
});
