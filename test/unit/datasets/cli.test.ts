// The real `nemo-relay` bin, run as a child process: exit codes, reports, stats figures
// computed by hand from the documents' builders (docs.ts).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { episode, withSubagent, writeDocs } from './docs.ts';

const BIN = path.resolve(import.meta.dirname, '../../../bin/nemo-relay.mjs');

function bin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let tmp: string;
let good: string;
let mixed: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'datasets-cli-'));
  good = path.join(tmp, 'good');
  mixed = path.join(tmp, 'mixed');
  const docs = {
    's1.json': episode('s1', { reward: 1, outcome: 'success', rewards: { acc: 1 } }),
    's2.json': episode('s2', { reward: 0, outcome: 'failure', rewards: { acc: 0.5 } }),
    's3.json': withSubagent('s3'),
  };
  await writeDocs(good, docs);
  const bad = JSON.parse(JSON.stringify(docs['s1.json'])) as { steps: { step_id: number }[] };
  bad.steps[1]!.step_id = 9;
  await writeDocs(mixed, { ...docs, 'bad-steps.json': bad, 'cut.json': '{"schema_version":' });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('nemo-relay bin', () => {
  it('--help lists the commands; each command has its own --help; unknown commands exit 2', async () => {
    const top = await bin('--help');
    expect(top.code).toBe(0);
    for (const c of ['export', 'validate', 'stats']) expect(top.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const ex = await bin('export', '--help');
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('--min-reward X');
    const unknown = await bin('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('validate: exit 0 on a valid folder, 1 with a report (file, JSON pointer, message) when any file is invalid', async () => {
    const ok = await bin('validate', good);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('3 files: 3 valid, 0 invalid');
    const bad = await bin('validate', mixed);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('bad-steps.json  /steps/1/step_id  step_id must be 2 (sequential from 1), found 9');
    expect(bad.stdout).toMatch(/^cut\.json {2}\/ {2}not JSON: /m);
    expect(bad.stdout).toContain('5 files: 3 valid, 2 invalid');
    const json = JSON.parse((await bin('validate', mixed, '--json')).stdout) as { invalid: number; errors: { file: string; path: string }[] };
    expect(json.invalid).toBe(2);
    expect(json.errors.map((e) => e.file)).toEqual(['bad-steps.json', 'cut.json']);
    expect((await bin('validate')).code).toBe(2);
  });

  it('export: writes the JSONL, lists skipped invalid files on stderr with a summary', async () => {
    const out = path.join(tmp, 'data.jsonl');
    const r = await bin('export', '--format', 'openai-chat-jsonl', '--in', mixed, '--out', out, '--min-reward', '0.5', '--with-metadata');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped invalid bad-steps.json: /steps/1/step_id: step_id must be 2');
    expect(r.stderr).toMatch(/skipped invalid cut\.json: \/: not JSON/);
    expect(r.stderr).toContain('5 files read (2 invalid, skipped), 1 samples written, 2 filtered out');
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { messages: unknown[]; metadata: Record<string, unknown> });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.metadata).toEqual({ file: 's1.json', trajectory_id: 's1', session_id: 's1', reward: 1, rewards: { acc: 1 }, outcome: 'success' });
    expect(lines[0]!.messages).toHaveLength(7);
  });

  it('export: bad options exit 2 and name the option', async () => {
    const r = await bin('export', '--format', 'csv', '--in', good, '--out', path.join(tmp, 'x.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format: "csv" is not one of openai-chat-jsonl, sharegpt, atif-jsonl');
    const s = await bin('export', '--format', 'sharegpt', '--in', good, '--out', path.join(tmp, 'x.jsonl'), '--split', 'train=0.9,val=0.2');
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('--split: shares must add up to 1');
    expect((await bin('export', '--format', 'sharegpt', '--in', good)).stderr).toContain('--out is required');
  });

  it('stats --json: sessions, steps, tokens, cost, tools, outcomes and rewards', async () => {
    const r = await bin('stats', mixed, '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped invalid bad-steps.json');
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    // Per episode(): 6 steps (1 system, 2 user, 3 agent); prompt 160+200+400, completion
    // 20+30+5, cached 50+0+100, cost 0.0012+0.002. withSubagent(): parent 4 steps, 2 calls of
    // 160/20/50/0.0012; child 3 steps, 7/3/0.
    expect(s).toMatchObject({
      files: 5,
      invalid: 2,
      sessions: 3,
      subagentTrajectories: 1,
      steps: { total: 19, system: 4, user: 6, agent: 9 },
      llmCalls: 9,
      tokens: { prompt: 1847, completion: 153, cached: 400 },
      toolCalls: 3,
      tools: { read: 2, sessions_spawn: 1 },
      outcomes: { '(none)': 1, failure: 1, success: 1 },
      reward: { count: 2, mean: 0.5, min: 0, max: 1 },
      rewards: { acc: { count: 2, mean: 0.75, min: 0.5, max: 1 } },
    });
    expect(s['costUsd']).toBeCloseTo(0.0088, 10);
    const text = await bin('stats', good);
    expect(text.stdout).toContain('sessions        3 (+ 1 embedded subagent trajectories)');
    expect(text.stdout).toContain('reward          count 2, mean 0.5, min 0, max 1');
  });
});
