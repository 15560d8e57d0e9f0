// The sink contract (src/fanout/sink.ts), proved over the recorded OpenClaw streams through the
// real runtime: every call on the lane (never inside a hook's dispatch), runEnded exactly once
// per run and before its session's sessionEnded, children before their root, runAmended after
// its run, and every run argument deeply frozen and never changed after delivery.

import { describe, expect, it } from 'vitest';
import { isDeepFrozen } from '../../../src/finalize/snapshot.ts';
import type { TraceSink } from '../../../src/fanout/sink.ts';
import { OUTPUTS, createOutputs, type OutputEntry } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { buildStatus } from '../../../src/status/status.ts';
import { IMMEDIATE_LANE } from '../../../src/fanout/lane.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { Run, RunAmendment, Session } from '../../../src/trace/model.ts';
import { readRecording, type RecordedHook } from '../../support/replay.ts';

const fixture = (name: string) => readRecording(new URL(`../../../fixtures/${name}`, import.meta.url).pathname);
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

type Call =
  | { kind: 'runEnded'; session: Session; run: Run; copy: unknown; duringHook: boolean }
  | { kind: 'runAmended'; session: Session; amendment: RunAmendment; duringHook: boolean }
  | { kind: 'sessionEnded'; session: Session; copy: unknown; duringHook: boolean };

/** A test-local output: registered through the registry like a real one, it records every call. */
function recordingOutput(calls: Call[], state: { duringHook: boolean }): OutputEntry {
  const sink: TraceSink = {
    name: 'recording',
    runEnded: (session, run) => void calls.push({ kind: 'runEnded', session, run, copy: structuredClone(run), duringHook: state.duringHook }),
    runAmended: (session, amendment) => void calls.push({ kind: 'runAmended', session, amendment, duringHook: state.duringHook }),
    sessionEnded: (session) => void calls.push({ kind: 'sessionEnded', session, copy: structuredClone(session), duringHook: state.duringHook }),
    flush: async () => {},
    shutdown: async () => {},
    health: () => ({ name: 'recording', enabled: true, state: 'ok', exported: calls.length, unit: 'messages', failures: 0, dropped: 0, queueDepth: 0 }),
  };
  return { name: 'recording', create: () => [sink] };
}

/** Feeds a recording through a runtime with the recorded arrival times as its clock. */
async function play(records: RecordedHook[], outputs: readonly OutputEntry[], state: { duringHook: boolean }, rawConfig: unknown = {}): Promise<Runtime> {
  let now = records[0]?.ts ?? 0;
  const rt = new Runtime({ rawConfig, env: {}, logger: quiet, pluginVersion: 'test', now: () => now, outputs });
  const hookPath = (fn: () => void) => {
    state.duringHook = true;
    try {
      fn();
    } finally {
      state.duringHook = false;
    }
  };
  for (const r of records) {
    now = r.ts;
    if (rt.engine.nextDeadline() <= now) hookPath(() => rt.tick());
    hookPath(() => rt.dispatch(r.hook, r.event, r.ctx));
    // Between hooks the loop turns: the lane gets its share.
    await new Promise((res) => setImmediate(res));
  }
  now += 60_000;
  hookPath(() => rt.tick());
  await rt.stop('test');
  return rt;
}

function checkContract(calls: Call[]): void {
  expect(calls.some((c) => c.duringHook)).toBe(false);
  const ended = new Map<string, number>();
  // By span id: runEnded carries the engine's session, sessionEnded a snapshot of it.
  const closed = new Map<string, number>();
  const live = new Set<Session>();
  calls.forEach((c, i) => {
    if (c.kind === 'runEnded') {
      expect(ended.has(c.run.spanId), `runEnded twice for ${c.run.runId}`).toBe(false);
      ended.set(c.run.spanId, i);
      expect(closed.has(c.session.spanId), `runEnded for ${c.run.runId} after its session ended`).toBe(false);
      live.add(c.session);
      expect(isDeepFrozen(c.run)).toBe(true);
    } else if (c.kind === 'runAmended') {
      expect(ended.get(c.amendment.spanId), 'runAmended before its runEnded').toBeLessThan(i);
      expect(isDeepFrozen(c.amendment)).toBe(true);
    } else {
      expect(closed.has(c.session.spanId), 'sessionEnded twice').toBe(false);
      closed.set(c.session.spanId, i);
      // A fresh, deeply frozen snapshot (its tree too), never the engine's object.
      expect(isDeepFrozen(c.session), 'sessionEnded got a session that is not deeply frozen').toBe(true);
      expect(live.has(c.session), 'sessionEnded got the live session').toBe(false);
      for (const child of c.session.children) expect(Object.isFrozen(child)).toBe(true);
      if (c.session.parentSession) expect(Object.isFrozen(c.session.parentSession)).toBe(true);
      for (const run of c.session.runs) expect(ended.get(run.spanId), `run ${run.runId} not ended before its session`).toBeLessThan(i);
    }
  });
  for (const c of calls) {
    const parent = c.kind === 'sessionEnded' ? c.session.parentSession : undefined;
    if (c.kind === 'sessionEnded' && parent && closed.has(parent.spanId)) expect(closed.get(c.session.spanId)!).toBeLessThan(closed.get(parent.spanId)!);
  }
  // Nothing a sink received changed afterwards, runs and ended sessions alike (the later
  // events of the stream, the parent's runs and end among them, came after these copies).
  for (const c of calls) if (c.kind === 'runEnded' || c.kind === 'sessionEnded') expect(c.kind === 'runEnded' ? c.run : c.session).toEqual(c.copy);
}

describe('the sink contract over recorded streams', () => {
  for (const name of ['gateway-tool-call.jsonl', 'gateway-subagent.jsonl', 'gateway-parallel-tools.jsonl', 'gateway-failing-tool.jsonl', 'local-turn.jsonl']) {
    it(`holds for ${name}`, async () => {
      const calls: Call[] = [];
      const state = { duringHook: false };
      await play(fixture(name), [recordingOutput(calls, state)], state);
      expect(calls.filter((c) => c.kind === 'runEnded').length).toBeGreaterThan(0);
      expect(calls.filter((c) => c.kind === 'sessionEnded').length).toBeGreaterThan(0);
      checkContract(calls);
    });
  }

  it('a late llm_output after its run was delivered is an amendment; the delivered run never changes', async () => {
    const records = fixture('gateway-tool-call.jsonl');
    const i = records.findIndex((r) => r.hook === 'llm_output');
    records[i] = { ...records[i]!, ts: records[i]!.ts + 5_000 };
    records.sort((a, b) => a.ts - b.ts);
    const calls: Call[] = [];
    const state = { duringHook: false };
    await play(records, [recordingOutput(calls, state)], state, { correlation: { llmOutputGraceMs: 250 } });
    checkContract(calls);
    const amended = calls.filter((c) => c.kind === 'runAmended');
    expect(amended).toHaveLength(1);
    const a = amended[0]!.amendment;
    const delivered = calls.find((c): c is Extract<Call, { kind: 'runEnded' }> => c.kind === 'runEnded' && c.run.spanId === a.spanId)!;
    expect(delivered.run.marks.map((m) => m.name)).not.toContain('llm_output.late');
    expect(delivered.run.reportedUsage).toBeUndefined();
    expect(a.run.marks.map((m) => m.name)).toContain('llm_output.late');
    expect(a.run.reportedUsage).toBeDefined();
  });
});

describe('adding an output', () => {
  // A real output touches at most three files:
  //   1. src/outputs/<name>/index.ts  exports an OutputEntry (and the folder holds its sink);
  //   2. src/outputs/registry.ts       one more entry in OUTPUTS;
  //   3. its config section, when it has options (src/config: types.ts + load.ts read it).
  // Here the entry is test-local and handed to the same registry functions the plugin uses.
  const noopRuns: string[] = [];
  const noopOutput: OutputEntry = {
    name: 'noop',
    create: () => [
      {
        name: 'noop',
        runEnded: (_s, run) => void noopRuns.push(run.runId),
        sessionEnded: () => {},
        flush: async () => {},
        shutdown: async () => {},
        health: () => ({ name: 'noop', enabled: true, state: 'ok', exported: noopRuns.length, unit: 'messages', failures: 0, dropped: 0, queueDepth: 0 }),
      },
    ],
  };

  it('is one OutputEntry next to the registered ones: it gets every run and shows in status', async () => {
    const { config } = loadConfig({}, {});
    const sinks = createOutputs(config, { pluginVersion: 't', openclawVersion: 't', lane: IMMEDIATE_LANE }, [...OUTPUTS, noopOutput]);
    expect(sinks.map((s) => s.name)).toContain('noop');

    const state = { duringHook: false };
    const records = fixture('gateway-tool-call.jsonl');
    const rt = await play(records, [...OUTPUTS, noopOutput], state);
    const runIds = new Set(records.map((r) => (r.event as { runId?: unknown }).runId).filter((x): x is string => typeof x === 'string'));
    expect(new Set(noopRuns)).toEqual(runIds);
    expect(buildStatus(rt).outputs.map((o) => o.name)).toContain('noop');
  });
});
