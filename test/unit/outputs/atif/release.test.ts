// A run's content is released once it is in its ATIF file: the session keeps a summary of each
// delivered run, the ATIF sink keeps the run's serialized steps, not the run. Proved through the
// real runtime on recorded gateway streams, played with release on and off: the checkpoint of
// the open session, the checkpoint after a late run annotation, the final file at session_end
// and the file patched by an annotation after it are the same bytes either way, and with
// release on nothing in the session or the sink holds a run's content.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { annotate } from '../../../../src/annotate/annotate.ts';
import { releaseContent } from '../../../../src/finalize/release.ts';
import { sequentialIds } from '../../../../src/correlate/ids.ts';
import { OUTPUTS } from '../../../../src/outputs/registry.ts';
import { Runtime } from '../../../../src/runtime/runtime.ts';
import type { Run, Session } from '../../../../src/trace/model.ts';
import { readRecording } from '../../../support/replay.ts';
import { deliveredRunsProbe } from '../../../support/probe-sink.ts';
import { retag } from '../../../support/streams.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The bytes of the escaped system prompt in a file's system step (shared by every session in memory). */
function sharedPromptBytes(json: string): number {
  const steps = (JSON.parse(json) as { steps: { source: string; message: unknown }[] }).steps;
  const system = steps.filter((st) => st.source === 'system' && typeof st.message === 'string' && st.message.length >= 4096);
  expect(system).toHaveLength(1);
  return Buffer.byteLength(JSON.stringify(system[0]!.message));
}

const fixture = (name: string) => readRecording(path.join(import.meta.dirname, '../../../../fixtures', name));

interface Played {
  open: string;
  annotated: string;
  final: string;
  patched: string;
  details: Record<string, unknown>;
  firstRun: string;
  /** Runs the live session (and its subagents) held while open. */
  heldRuns: Run[];
  /** The runs every output was given at runEnded. */
  delivered: Run[];
}

function treeRuns(s: Session, out: Run[] = []): Run[] {
  out.push(...s.runs);
  for (const c of s.children) treeRuns(c, out);
  return out;
}

async function play(name: string, releaseContent: boolean, lateLlmOutput = false): Promise<Played> {
  const dir = await mkdtemp(path.join(tmpdir(), 'atif-release-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const rawConfig = {
    plugins: {
      version: 1,
      components: [{ kind: 'observability', enabled: true, config: { version: 3, atif: { enabled: true, agent_name: 'openclaw', output_directory: dir } } }],
    },
  };
  const records = fixture(name);
  let clock = records[0]!.ts;
  // Run steps go to the file right after each write (by default once it is 30 s idle).
  const env = { NEMO_RELAY_ATIF_SPILL_AFTER_MS: '0' };
  const rt = new Runtime({ rawConfig, env, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', openclawVersion: '2026.9.6', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS, releaseContent });
  cleanup.push(() => rt.stop('test', 5000));
  const { sink: probe, delivered } = deliveredRunsProbe();
  rt.sinks.push(probe);
  const dispatch = (keep: (hook: string) => boolean) => {
    for (const r of records) {
      if (!keep(r.hook) || r === late) continue;
      clock = Math.max(clock, r.ts);
      rt.tick();
      rt.dispatch(r.hook, r.event, r.ctx);
    }
    // Past every grace window, well inside the idle expiry.
    clock += 10_000;
    rt.tick();
  };
  const file = async () => {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(names).toHaveLength(1);
    return readFile(path.join(dir, names[0]!), 'utf8');
  };
  const atifDetails = () => rt.sinks.find((s) => s.name === 'atif')!.health().details!;

  // A late llm_output: held back past the grace window, it becomes an amendment of its run.
  const late = lateLlmOutput ? records.filter((r) => r.hook === 'llm_output').at(-1) : undefined;
  dispatch((h) => h !== 'session_end' && h !== 'gateway_stop');
  if (late) {
    await rt.flush();
    rt.dispatch(late.hook, late.event, late.ctx);
    clock += 10_000;
    rt.tick();
  }
  await rt.flush();
  const open = await file();
  const doc = JSON.parse(open);
  const sessionKey = doc.extra.openclaw.session_key as string;
  const target = rt.directory.resolve({ sessionKey }, clock);
  if (typeof target === 'string') throw new Error(target);
  const heldRuns = treeRuns(target.session!);
  const details = { ...atifDetails() };

  const firstRun = doc.steps.find((s: { extra?: { run_id?: string } }) => s.extra?.run_id)!.extra.run_id as string;
  expect(annotate(rt, { sessionKey, runId: firstRun, reward: 0.5, labels: ['late'] }, clock)).toMatchObject({ ok: true });
  await rt.flush();
  // An annotation is rendered at the next checkpoint of the open session: another run's end.
  expect(annotate(rt, { sessionKey, reward: 1 }, clock)).toMatchObject({ ok: true });
  await rt.flush();
  const annotated = await file();

  dispatch((h) => h === 'session_end');
  await rt.flush();
  const final = await file();
  expect(annotate(rt, { sessionKey, runId: firstRun, outcome: 'success' }, clock)).toMatchObject({ ok: true });
  await rt.flush();
  const patched = await file();
  return { open, annotated, final, patched, details, heldRuns, delivered, firstRun };
}

describe('ATIF: a run released once it is in its file', () => {
  for (const [name, late] of [['gateway-tool-call.jsonl', false], ['gateway-subagent.jsonl', false], ['gateway-tool-call.jsonl', true], ['gateway-subagent.jsonl', true]] as const) {
    it(`${name}${late ? ', its last llm_output late (an amendment)' : ''}: the same bytes with release on and off, at every stage`, async () => {
      const off = await play(name, false, late);
      const on = await play(name, true, late);
      // The amendment is rendered at the next checkpoint (here the annotation's).
      if (late) expect(on.annotated).toContain('llm_output.late');
      expect(on.open).toBe(off.open);
      expect(on.annotated).toBe(off.annotated);
      expect(on.annotated).not.toBe(on.open);
      // The late run annotation sits on each step of that run, and only there (applied to the
      // run's serialized steps: its content is gone by then).
      const doc = JSON.parse(on.annotated);
      let run: string | undefined;
      let annotatedSteps = 0;
      doc.steps.forEach((step: any, i: number) => {
        // A run's system prompt step comes just before the user step that names the run.
        const next = doc.steps[i + 1]?.extra?.run_id;
        if (typeof step.extra?.run_id === 'string') run = step.extra.run_id;
        else if (step.source === 'system' && typeof next === 'string') run = next;
        const mine = run === on.firstRun;
        expect(step.extra?.annotations?.reward ?? null).toBe(mine ? 0.5 : null);
        if (mine) annotatedSteps++;
      });
      expect(annotatedSteps).toBeGreaterThan(1);
      expect(doc.extra.annotations.reward).toBe(1);
      expect(on.final).toBe(off.final);
      expect(on.patched).toBe(off.patched);
      expect(on.patched).not.toBe(on.final);
      // No run was ever rendered from a summary, nor reused stale.
      expect(on.details).toMatchObject({ runs_rendered_from_summary: 0, runs_reused_stale: 0 });
    }, 60_000);
  }

  it('an open session holds run summaries, and the ATIF sink only serialized steps', async () => {
    const off = await play('gateway-tool-call.jsonl', false);
    const on = await play('gateway-tool-call.jsonl', true);
    expect(on.heldRuns).toHaveLength(2);
    expect(on.heldRuns.every((r) => r.contentReleased === true)).toBe(true);
    expect(off.heldRuns.some((r) => r.contentReleased === true)).toBe(false);
    // What the session holds, measured as JSON: the prompts, messages and tool payloads are gone.
    const bytes = (runs: Run[]) => JSON.stringify(runs).length;
    expect(bytes(on.delivered)).toBeGreaterThan(bytes(on.heldRuns) * 4);
    const text = JSON.stringify(on.heldRuns);
    for (const run of on.delivered) {
      for (const call of run.llmCalls) {
        for (const m of call.input) if (typeof m.content === 'string' && m.content.length > 64 && m.role !== 'user') expect(text).not.toContain(m.content);
        for (const t of call.tools) if (typeof t.result === 'string' && t.result.length > 16) expect(text).not.toContain(t.result);
      }
      if (run.systemPrompt) expect(text).not.toContain(run.systemPrompt);
    }
    // No output here reads a session's first prompt or last answer (only an OpenInference
    // session span does): the summaries keep neither.
    expect(on.delivered.some((r) => r.prompt !== undefined)).toBe(true);
    expect(on.heldRuns.some((r) => r.prompt !== undefined || r.llmCalls.some((c) => c.output !== undefined))).toBe(false);
    // The sink: both runs serialized, no content kept (neither spawned a subagent).
    expect(on.details).toMatchObject({ runs_content_held: 0, runs_serialized_held: 2 });
    expect(off.details).toMatchObject({ runs_content_held: 0, runs_serialized_held: 2 });
    // And the serialized steps are in the file, read back only when a write needs them.
    expect(on.details.run_step_bytes_in_memory).toBe(0);
    expect(on.details.run_step_bytes_in_files).toBeGreaterThan(1000);
    expect(on.details.run_step_bytes_in_files).toBeLessThan(Buffer.byteLength(on.open));
  }, 60_000);

  it('a summary keeps the first prompt and the last answer when an output exports them', async () => {
    const { delivered } = await play('gateway-tool-call.jsonl', true);
    const run = delivered.find((r) => r.prompt !== undefined)!;
    const lastAnswer = [...run.llmCalls].reverse().find((c) => c.output !== undefined)!;
    const kept = releaseContent(run, true, true);
    expect(kept.prompt).toBe(run.prompt);
    expect(kept.llmCalls.find((c) => c.spanId === lastAnswer.spanId)!.output).toEqual(lastAnswer.output);
    expect(kept.llmCalls.filter((c) => c.output !== undefined)).toHaveLength(1);
    const bare = releaseContent(run, false, false);
    expect(bare.prompt).toBeUndefined();
    expect(bare.llmCalls.every((c) => c.output === undefined && c.input.length === 0)).toBe(true);
    // Names every session repeats are one string for all summaries.
    const again = releaseContent(delivered.find((r) => r.prompt !== undefined)!, false, false);
    expect(again.llmCalls[0]!.model).toBe(bare.llmCalls[0]!.model);
  }, 60_000);

  it('a run that spawned a subagent keeps its content until the file is final', async () => {
    const on = await play('gateway-subagent.jsonl', true);
    expect(on.heldRuns.every((r) => r.contentReleased === true)).toBe(true);
    expect(on.details.runs_content_held).toBe(1);
  }, 60_000);
});

describe('ATIF: run steps kept in the file', () => {
  it('a file removed behind the writer: its runs are written again from their summaries, and that is reported', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'atif-release-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const errors: string[] = [];
    const rawConfig = {
      plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 3, atif: { enabled: true, agent_name: 'openclaw', output_directory: dir } } }] },
    };
    const records = fixture('gateway-tool-call.jsonl');
    let clock = records[0]!.ts;
    const rt = new Runtime({ rawConfig, env: { NEMO_RELAY_ATIF_SPILL_AFTER_MS: '0' }, logger: { info() {}, warn() {}, error: (m: string) => void errors.push(m) }, pluginVersion: '0.1.0', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS });
    cleanup.push(() => rt.stop('test', 5000));
    for (const r of records) {
      if (r.hook === 'session_end' || r.hook === 'gateway_stop') continue;
      clock = Math.max(clock, r.ts);
      rt.tick();
      rt.dispatch(r.hook, r.event, r.ctx);
    }
    clock += 10_000;
    rt.tick();
    await rt.flush();
    const [name] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const before = JSON.parse(await readFile(path.join(dir, name!), 'utf8'));
    await rm(path.join(dir, name!));
    rt.dispatch('session_end', records.find((r) => r.hook === 'session_end')!.event, records.find((r) => r.hook === 'session_end')!.ctx);
    clock += 10_000;
    rt.tick();
    await rt.flush();
    const after = JSON.parse(await readFile(path.join(dir, name!), 'utf8'));
    // The same steps, their text gone: the summaries keep ids, times and usage only.
    expect(after.steps.map((s: { source: string }) => s.source)).toEqual(before.steps.map((s: { source: string }) => s.source).filter((x: string) => x !== 'system'));
    expect(after.final_metrics.total_prompt_tokens).toBe(before.final_metrics.total_prompt_tokens);
    const atif = rt.sinks.find((s) => s.name === 'atif')!.health();
    expect(atif.details).toMatchObject({ runs_rendered_from_summary: 2 });
    expect(atif.failures).toBe(1);
    expect(atif.lastError?.message).toMatch(/is gone.*2 run\(s\) written from their summaries/);
  }, 60_000);
});

describe('ATIF: when run steps go to the file', () => {
  it('once the file has been idle for spillAfterMs; before that they are in memory too', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'atif-release-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const rawConfig = {
      plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 3, atif: { enabled: true, agent_name: 'openclaw', output_directory: dir } } }] },
    };
    const records = fixture('gateway-tool-call.jsonl');
    let clock = records[0]!.ts;
    const rt = new Runtime({ rawConfig, env: { NEMO_RELAY_ATIF_SPILL_AFTER_MS: '300' }, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS });
    cleanup.push(() => rt.stop('test', 5000));
    for (const r of records) {
      if (r.hook === 'session_end' || r.hook === 'gateway_stop') continue;
      clock = Math.max(clock, r.ts);
      rt.tick();
      rt.dispatch(r.hook, r.event, r.ctx);
    }
    clock += 10_000;
    rt.tick();
    await rt.flush();
    const details = () => rt.sinks.find((s) => s.name === 'atif')!.health().details!;
    const inMemory = details().run_step_bytes_in_memory as number;
    expect(inMemory).toBeGreaterThan(1000);
    expect(details().run_step_bytes_in_files).toBe(0);
    const t0 = Date.now();
    while (details().run_step_bytes_in_memory !== 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    // In memory, the system prompt every session shares was not the run's own; in the file it is.
    const [file] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    const shared = sharedPromptBytes(await readFile(path.join(dir, file!), 'utf8'));
    expect(shared).toBeGreaterThan(4096);
    expect(details()).toMatchObject({ run_step_bytes_in_memory: 0, run_step_bytes_in_files: inMemory + shared });
  }, 60_000);
});

describe('ATIF: written run steps kept in memory are bounded in bytes', () => {
  /** Six sessions of the recorded turn, each checkpointed (not ended), then ended; the files at the end. */
  async function sixSessions(env: Record<string, string>) {
    const dir = await mkdtemp(path.join(tmpdir(), 'atif-unspilled-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const rawConfig = {
      plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 3, atif: { enabled: true, agent_name: 'openclaw', output_directory: dir } } }] },
    };
    const base = fixture('gateway-tool-call.jsonl').filter((r) => r.hook !== 'gateway_stop');
    const sessions = Array.from({ length: 6 }, (_, i) => retag(base, `~u${i}`));
    let clock = base[0]!.ts;
    const rt = new Runtime({ rawConfig, env: { NEMO_RELAY_ATIF_SPILL_AFTER_MS: '600000', ...env }, logger: { info() {}, warn() {}, error() {} }, pluginVersion: '0.1.0', openclawVersion: '2026.9.6', now: () => clock, ids: sequentialIds(), outputs: OUTPUTS });
    cleanup.push(() => rt.stop('test', 5000));
    const send = (keep: (hook: string) => boolean) => {
      for (const stream of sessions) {
        for (const r of stream) {
          if (!keep(r.hook)) continue;
          clock = Math.max(clock, r.ts);
          rt.tick();
          rt.dispatch(r.hook, r.event, r.ctx);
        }
      }
    };
    send((h) => h !== 'session_end');
    clock += 10_000;
    rt.tick();
    await rt.flush();
    const details = { ...rt.sinks.find((s) => s.name === 'atif')!.health().details! };
    send((h) => h === 'session_end');
    clock += 10_000;
    rt.tick();
    await rt.flush();
    const files: Record<string, string> = {};
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) files[f] = await readFile(path.join(dir, f), 'utf8');
    return { details, files };
  }

  it('past the budget the oldest files keep theirs on disk only, and every file is what it would have been', async () => {
    const free = await sixSessions({});
    const perSession = (free.details.run_step_bytes_in_memory as number) / 6;
    expect(perSession).toBeGreaterThan(1000);
    expect(free.details.run_step_bytes_in_files).toBe(0);
    // Room for two sessions' steps: four of the six go to their files at once.
    const budget = Math.floor(perSession * 2.5);
    const bounded = await sixSessions({ NEMO_RELAY_ATIF_UNSPILLED_BYTES: String(budget) });
    const inMemory = bounded.details.run_step_bytes_in_memory as number;
    const inFiles = bounded.details.run_step_bytes_in_files as number;
    expect(inMemory).toBeLessThanOrEqual(budget);
    expect(inMemory).toBeGreaterThan(0);
    // Every session's steps are either in memory (its own bytes) or in its file (with the system
    // prompt the sessions share in memory): six in all.
    const onFile = perSession + sharedPromptBytes(Object.values(free.files)[0]!);
    expect(inMemory % perSession).toBe(0);
    expect(inFiles % onFile).toBe(0);
    expect(inMemory / perSession + inFiles / onFile).toBe(6);
    expect(inFiles / onFile).toBeGreaterThanOrEqual(3);
    // The final files, written after their steps were read back from the checkpoints: byte for byte the same.
    expect(Object.keys(bounded.files)).toHaveLength(6);
    expect(bounded.files).toEqual(free.files);
  }, 60_000);
});
