// Hook streams recorded from the real OpenClaw 2026.9.6 (fixtures/), through the real engine,
// into the ATIF sink and onto disk: every file must validate and say what the recording says.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAtifSink } from '../../../../src/outputs/atif/sink.ts';
import type { AtifStep, AtifTrajectory } from '../../../../src/outputs/atif/types.ts';
import { formatAtifErrors, validateAtif } from '../../../../src/outputs/atif/validate.ts';
import { readRecording, replay, type RecordedHook } from '../../../support/replay.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'atif-recorded-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const ev = (r: RecordedHook): Record<string, any> => r.event as Record<string, any>;

/** Replays a fixture into a fresh sink; returns the files it wrote (validated) and the recording. */
async function exportFixture(name: string): Promise<{ docs: AtifTrajectory[]; records: RecordedHook[] }> {
  const records = readRecording(path.join(import.meta.dirname, '../../../../fixtures', name));
  const { runs, sessions } = replay(records, { capture: { stripToolArgs: false, stripToolResults: false } });
  const dir = path.join(tmp, name);
  const sink = createAtifSink({ enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json' }, { openclawVersion: '2026.9.6', pluginVersion: '0.1.0' });
  for (const { session, run } of runs) sink.runEnded(session, run);
  for (const s of sessions) sink.sessionEnded(s);
  await sink.shutdown();
  expect(sink.health()).toMatchObject({ failures: 0 });
  const docs: AtifTrajectory[] = [];
  for (const f of await readdir(dir)) {
    const doc = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as AtifTrajectory;
    const res = validateAtif(doc);
    expect(res.errors, `${name}/${f}\n${formatAtifErrors(res.errors)}`).toEqual([]);
    docs.push(doc);
  }
  return { docs, records };
}

const allSteps = (d: AtifTrajectory): AtifStep[] => [...d.steps, ...(d.subagent_trajectories ?? []).flatMap(allSteps)];

describe('recorded OpenClaw runs -> ATIF files', () => {
  it.each(['gateway-tool-call.jsonl', 'gateway-failing-tool.jsonl', 'gateway-parallel-tools.jsonl', 'gateway-subagent.jsonl', 'gateway-no-conversation-access.jsonl', 'http-chat-completions.jsonl', 'local-turn.jsonl'])(
    '%s: one valid file, one agent step per model call, usage as reported',
    async (name) => {
      const { docs, records } = await exportFixture(name);
      expect(docs).toHaveLength(1);
      const doc = docs[0]!;
      expect(doc.session_id).toMatch(/^[0-9a-f-]{36}$/);
      const steps = allSteps(doc);
      const modelCalls = records.filter((r) => r.hook === 'model_call_started').length;
      expect(steps.filter((s) => s.source === 'agent')).toHaveLength(modelCalls);
      const usages = records.filter((r) => r.hook === 'before_message_write' && ev(r).message?.role === 'assistant').map((r) => ev(r).message.usage);
      const prompt = usages.reduce((a, u) => a + u.input + u.cacheRead + u.cacheWrite, 0);
      expect(steps.reduce((a, s) => a + (s.metrics?.prompt_tokens ?? 0), 0)).toBe(prompt);
      // No prompt twice in one trajectory.
      const users = doc.steps.filter((s) => s.source === 'user').map((s) => s.message);
      expect(new Set(users).size).toBe(users.length);
    },
  );

  it('tool output is the observation content', async () => {
    const { docs } = await exportFixture('gateway-tool-call.jsonl');
    const results = docs[0]!.steps.flatMap((s) => s.observation?.results ?? []);
    expect(results.map((r) => r.content)).toEqual(['echo: hello']);
  });

  it('a failing tool shows its error', async () => {
    const { docs } = await exportFixture('gateway-failing-tool.jsonl');
    const r = docs[0]!.steps.flatMap((s) => s.observation?.results ?? [])[0]!;
    expect(r.extra?.['error']).toBe(true);
    expect(r.content).toMatch(/failed on purpose/);
  });

  it('parallel tool calls share one agent step', async () => {
    const { docs } = await exportFixture('gateway-parallel-tools.jsonl');
    const step = docs[0]!.steps.find((s) => (s.tool_calls?.length ?? 0) > 1)!;
    expect(step.tool_calls!.map((t) => t.tool_call_id)).toEqual(step.observation!.results.map((r) => r.source_call_id));
  });

  it('the subagent is embedded and referenced from sessions_spawn', async () => {
    const { docs } = await exportFixture('gateway-subagent.jsonl');
    const doc = docs[0]!;
    expect(doc.subagent_trajectories).toHaveLength(1);
    const sub = doc.subagent_trajectories![0]!;
    const spawn = doc.steps.find((s) => s.tool_calls?.some((t) => t.function_name === 'sessions_spawn'))!;
    expect(spawn.observation!.results[0]!.subagent_trajectory_ref).toEqual([{ trajectory_id: sub.trajectory_id, session_id: sub.session_id }]);
    expect(sub.steps.some((s) => s.source === 'agent')).toBe(true);
  });
});
