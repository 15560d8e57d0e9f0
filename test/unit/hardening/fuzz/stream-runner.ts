// Runs one generated stream against the REAL registered handlers of a "full" and a
// "discovery" plugin instance (one shared runtime) with the ATIF sink and an OTLP output to
// a real receiver, on a fake clock that jumps past grace windows and TTLs mid-run; then
// checks, for that stream: status against the ledger, release after the TTLs, and every
// file in output_directory.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import type { TraceSink } from '../../../../src/fanout/sink.ts';
import type { Session } from '../../../../src/trace/model.ts';
import { fire } from '../../../support/fake-host.ts';
import type { OtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { RecordedHook } from '../../../support/replay.ts';
import { agentSteps, inspectAtifDir, macrotask, pluginConfig, scratch, setupPlugin, status, type Doc, type Plugin } from '../helpers.ts';
import type { Stream } from './arbitraries.ts';
import { CAPS, checkCaps } from './caps.ts';
import { mutateFixture, shape } from './hostile.ts';
import { expectStatusMatchesLedger, newLedger, phases, recordDelivery, tally } from './ledger.ts';
import { freshCopy } from './recorded.ts';

interface Delivered {
  hook: string;
  event: unknown;
  ctx: unknown;
}

/** Plays `stream` (the `index`th of the run: it tags the recorded copies' ids) and checks it. */
export async function runStream(stream: Stream, index: number, receiver: OtlpReceiver): Promise<void> {
  const t0 = performance.now();
  const root = scratch('nr-fuzz-');
  const out = join(root, 'out');
  vi.useFakeTimers({ toFake: ['Date'] });
  let now = 1_800_000_000_000;
  vi.setSystemTime(now);
  const p: Plugin = setupPlugin(
    pluginConfig(out, {
      capture: { maxFieldBytes: 4096 },
      correlation: CAPS,
      otlp: { endpoint: receiver.url, max_queue_size: 100_000, max_export_batch_size: 512, timeout_millis: 5000 },
    }),
  );
  const rt = p.runtime;
  const ended: Session[] = [];
  (rt.sinks as TraceSink[]).push({
    name: 'recorder',
    runEnded: () => {},
    sessionEnded: (s2) => void ended.push(s2),
    flush: async () => {},
    shutdown: async () => {},
    health: () => ({ name: 'recorder', enabled: true, state: 'ok', exported: 0, unit: 'messages', failures: 0, dropped: 0, queueDepth: 0 }),
  });
  const engine = rt.engine;
  const L = newLedger();
  const instances = [p.full, p.discovery];
  const delivered: Delivered[] = [];
  let stopped = false;
  const pending: Promise<unknown>[] = [];

  const deliver = (instIndex: number, hook: string, event: unknown, ctx: unknown): void => {
    const target = instances[instIndex]!;
    if (!target.hooks.has(hook)) {
      expect(fire(target, hook, event, ctx)).toEqual([]);
      return;
    }
    // The oracle first (the plugin must not be what decides what counts).
    recordDelivery(L, hook, event, ctx);
    // Every handler the plugin registered for the hook (the runtime's and the Dynamo side's).
    const results = fire(target, hook, event, ctx);
    if (hook === 'gateway_stop') {
      for (const r of results) expect(r).toBeInstanceOf(Promise);
      pending.push(...(results as Promise<unknown>[]));
      stopped = true;
    } else if (!results.every((r) => r === undefined)) {
      throw new Error(`${hook}: a handler returned ${String(results.find((r) => r !== undefined))}`);
    }
    delivered.push({ hook, event, ctx });
    if (delivered.length > 64) delivered.shift();
    checkCaps(p);
  };

  // Retagged copies of recorded streams; gateway_stop is the generator's business.
  const copyOf = (j: number) => freshCopy(stream.fixtures[j % stream.fixtures.length]!, `s${index}c${j}`);
  const copies = stream.fixtures.map((_, j) => copyOf(j));
  const cursors = copies.map(() => 0);
  const nextFixture = (copy: number): RecordedHook | undefined => {
    for (let i = 0; i < copies.length; i++) {
      const c = (copy + i) % copies.length;
      if (cursors[c]! < copies[c]!.length) return copies[c]![cursors[c]!++];
    }
    // All played: a fresh copy with new ids joins the interleaving.
    copies.push(copyOf(copies.length));
    cursors.push(1);
    return copies[copies.length - 1]![0];
  };

  for (let i = 0; i < stream.ops.length; i++) {
    const op = stream.ops[i]!;
    if (stream.stopAt === i) deliver(0, 'gateway_stop', { reason: 'fuzz' }, {});
    switch (op.k) {
      case 'gen':
        shape(op.event, op.shape);
        deliver(op.inst, op.hook, op.event, op.ctx);
        break;
      case 'fx': {
        const copy = op.copy % copies.length;
        let r = nextFixture(copy);
        if (!r) break;
        if (op.mutation === 'skip') break;
        if (op.mutation === 'swap') {
          const after = nextFixture(copy);
          if (after) {
            deliver(after.registrationMode === 'full' ? 0 : 1, after.hook, after.event, after.ctx);
          }
        } else mutateFixture(r, op.mutation, op.which);
        const target = (r.registrationMode === 'full' ? 0 : 1) ^ (op.flip ? 1 : 0);
        deliver(target, r.hook, r.event, r.ctx);
        r = undefined;
        break;
      }
      case 'dup':
      case 'clone':
      case 'wrong': {
        const prev = delivered[delivered.length - 1 - ((op.back - 1) % Math.max(1, delivered.length))];
        if (!prev) break;
        if (op.k === 'dup') deliver(op.inst, prev.hook, prev.event, prev.ctx);
        else if (op.k === 'wrong') deliver(op.inst, op.hook, prev.event, prev.ctx);
        else {
          let copy: unknown;
          try {
            copy = structuredClone(prev.event);
          } catch {
            break; // functions, symbols: not cloneable, nothing to deliver
          }
          deliver(op.inst, prev.hook, copy, prev.ctx);
        }
        break;
      }
      case 'unknown':
        for (const target of instances) expect(fire(target, op.name, {}, {})).toEqual([]);
        break;
    }
    // The clock moves; the runtime's timer would fire at its deadline: fire it exactly then.
    now += op.dt;
    vi.setSystemTime(now);
    if (now >= engine.nextDeadline()) rt.tick();
    checkCaps(p);
    // Let the ATIF drains and the OTLP queue work in between, as a live gateway would.
    if (i % 50 === 49) await macrotask();
  }

  const t1 = performance.now();
  // ---- status counts exactly what was fed ----
  const s = await status(p);
  expectStatusMatchesLedger(s, engine.counters.events, L);

  // ---- once the TTLs have passed, nothing is held ----
  if (!stopped) {
    now += CAPS.recordTtlMs * 7 + CAPS.sessionIdleMs + 1000;
    vi.setSystemTime(now);
    rt.tick();
    expect(engine.openRuns).toBe(0);
    expect(engine.openSessions).toBe(0);
    expect(engine.bufferedRecords).toBe(engine.sizes().pendingLineage);
  } else tally.stoppedMidStream++;

  // ---- shut down, then every file ----
  pending.push(...(fire(p.full, 'gateway_stop', { reason: 'fuzz-end' }, {}) as Promise<unknown>[]));
  const t2 = performance.now();
  await Promise.all(pending);
  // Events delivered while a mid-stream shutdown was flushing were still accepted; their
  // writes may outlive the (memoized) stop promise: let them land.
  await rt.flush();
  vi.useRealTimers();
  const t3 = performance.now();
  const atif = s.outputs.find((o) => o.name === 'atif');
  expect(atif).toBeDefined();
  const health = rt.sinkHealth();
  const atifHealth = health.find((h) => h.name === 'atif')!;
  expect(atifHealth.failures, JSON.stringify(atifHealth.lastError)).toBe(0);
  expect(atifHealth.queueDepth, JSON.stringify(atifHealth)).toBe(0);
  const otlp = health.find((h) => h.name === 'opentelemetry')!;
  expect(otlp.failures, JSON.stringify(otlp.lastError)).toBe(0);
  expect(otlp.details?.['internalErrors']).toBeUndefined();

  expect(readdirSync(root)).toEqual(readdirSync(root).length === 0 ? [] : ['out']);
  const report = inspectAtifDir(out);
  expect(report.strays).toEqual([]);
  expect(report.problems, report.problems.join("\n").slice(0, 3000)).toEqual([]);
  tally.files += report.files.length;
  if (!stopped && stream.stopAt === undefined) {
    // Nothing lost: every model call the engine saw is one agent step in exactly one file.
    const steps = [...report.docs.values()].flatMap(agentSteps).length;
    expect(steps, steps === engine.counters.llmSpans ? '' : lostCalls(report.docs, ended)).toBe(engine.counters.llmSpans);
    // ... and the engine reported every session it opened as ended.
    expect(ended.length).toBe(engine.counters.sessionsOpened);
  }
  tally.streams++;
  rmSync(root, { recursive: true, force: true });
  phases.ops += t1 - t0;
  phases.checks += t2 - t1;
  phases.stop += t3 - t2;
  phases.files += performance.now() - t3;
}

/** Diagnostics for a failed "nothing lost" check: roots whose file holds fewer agent steps than their model calls. */
function lostCalls(docs: Map<string, Doc>, ended: Session[]): string {
  const calls = (ss: Session): number => ss.runs.reduce((a, r) => a + r.llmCalls.length, 0) + ss.children.reduce((a, c) => a + calls(c), 0);
  const inDocs = new Map<string, number>();
  for (const doc of docs.values()) {
    const key = `${doc.extra?.openclaw?.session_key}#${doc.extra?.openclaw?.segment ?? 1}`;
    inDocs.set(key, (inDocs.get(key) ?? 0) + agentSteps(doc).length);
  }
  const lines: string[] = [];
  for (const ss of ended) {
    if (ss.parentSession) continue;
    const key = `${ss.sessionKey}#${ss.segment}`;
    if (calls(ss) > (inDocs.get(key) ?? 0)) lines.push(`${JSON.stringify(key.slice(0, 60))}: ${calls(ss)} calls, ${inDocs.get(key) ?? 0} steps (${ss.endReason}, ${ss.children.length} children)`);
  }
  return `model calls missing from ATIF:\n${lines.slice(0, 20).join('\n')}`;
}

