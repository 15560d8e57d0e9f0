import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AtifConfig } from '../../../../src/config/types.ts';
import { writeFileAtomic } from '../../../../src/outputs/atif/atomic-write.ts';
import { createAtifSink } from '../../../../src/outputs/atif/sink.ts';
import { buildTrajectory } from '../../../../src/outputs/atif/trajectory.ts';
import type { AtifTrajectory } from '../../../../src/outputs/atif/types.ts';
import { formatAtifErrors, validateAtif } from '../../../../src/outputs/atif/validate.ts';
import type { Run, Session } from '../../../../src/trace/model.ts';
import { META, adopt, call, run, session, tool } from './build.ts';

let tmp: string;
let dir: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'atif-sink-'));
  dir = path.join(tmp, 'out');
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function config(over: Partial<AtifConfig> = {}): AtifConfig {
  return { enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json', ...over };
}

function sinkFor(over: Partial<AtifConfig> = {}, errors: unknown[] = []) {
  return createAtifSink(config(over), { openclawVersion: META.openclawVersion, pluginVersion: META.pluginVersion, onError: (e) => errors.push(e) });
}

/** Reads a trajectory file and insists it is valid ATIF. */
async function readValid(file: string): Promise<AtifTrajectory> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as AtifTrajectory;
  const res = validateAtif(doc);
  expect(res.errors, formatAtifErrors(res.errors)).toEqual([]);
  return doc;
}

async function list(d = dir): Promise<string[]> {
  try {
    return (await readdir(d)).sort();
  } catch {
    return [];
  }
}

function addRun(s: Session, id: string, prompt: string, t: number): Run {
  const r = run(id, prompt, [call(id, t, { text: `answer to ${prompt}` })]);
  s.runs.push(r);
  return r;
}

describe('createAtifSink', () => {
  it('checkpoints after each run, leaves the run in flight out, finalizes at session end', async () => {
    const sink = sinkFor();
    const s = session();
    const r1 = addRun(s, 'r1', 'one', 1);
    sink.runEnded(s, r1);
    await sink.flush();
    const file = path.join(dir, `${s.sessionId}.json`);
    let doc = await readValid(file);
    expect(doc.steps.map((x) => x.message)).toEqual(['You are a helpful agent.', 'one', 'answer to one']);

    const r2 = addRun(s, 'r2', 'two', 3);
    addRun(s, 'r3', 'three (in flight)', 5);
    sink.runEnded(s, r2);
    await sink.flush();
    doc = await readValid(file);
    expect(doc.steps.map((x) => x.message)).toEqual(['You are a helpful agent.', 'one', 'answer to one', 'two', 'answer to two']);
    const ended = new Set([r1, r2]);
    expect(doc).toEqual(buildTrajectory(s, META, { includeRun: (_x, r) => ended.has(r) }));

    s.closed = true;
    s.endTime = s.startTime! + 60_000;
    sink.sessionEnded(s);
    await sink.flush();
    doc = await readValid(file);
    expect(doc.steps).toHaveLength(7);
    expect(doc).toEqual(buildTrajectory(s, META));
    expect(doc.extra?.['openclaw']).toMatchObject({ ended_at: new Date(s.endTime).toISOString() });
    expect(sink.health()).toMatchObject({ state: 'ok', exported: 3, failures: 0, queueDepth: 0, unit: 'files' });
    expect(sink.health().details).toMatchObject({ output_directory: dir, files_written: 1, files_finalized: 1, sessions_pending: 0 });
  });

  it('the hook path only enqueues: nothing is on disk when runEnded returns', async () => {
    const sink = sinkFor();
    const s = session();
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    sink.sessionEnded(s);
    expect(await list()).toEqual([]);
    expect(sink.health().queueDepth).toBe(1);
    await sink.flush();
    expect(await list()).toEqual([`${s.sessionId}.json`]);
  });

  it('a checkpoint reuses the serialized steps of runs that already ended', async () => {
    const sink = sinkFor();
    const s = session();
    const r1 = addRun(s, 'r1', 'one', 1);
    sink.runEnded(s, r1);
    await sink.flush();
    // Any re-serialization of r1 would read its calls again.
    let reads = 0;
    const calls = r1.llmCalls;
    Object.defineProperty(r1, 'llmCalls', { get: () => (reads++, calls) });
    for (let i = 2; i <= 5; i++) {
      sink.runEnded(s, addRun(s, `r${i}`, `p${i}`, i * 2));
      await sink.flush();
    }
    expect(reads).toBe(0);
    const doc = await readValid(path.join(dir, `${s.sessionId}.json`));
    expect(doc.steps.filter((x) => x.source === 'user')).toHaveLength(5);
  });

  it('runs of two sessions that share a span id (OpenClaw\'s, replayed) keep their own steps', async () => {
    const sink = sinkFor();
    const a = session({ sessionId: '11111111-2222-4333-8444-00000000000a', sessionKey: 'agent:main:a' });
    const b = session({ sessionId: '11111111-2222-4333-8444-00000000000b', sessionKey: 'agent:main:b' });
    const ra = addRun(a, 'ra', 'asked in a', 1);
    const rb = addRun(b, 'rb', 'asked in b', 3);
    rb.spanId = ra.spanId;
    sink.runEnded(a, ra);
    await sink.flush();
    sink.runEnded(b, rb);
    await sink.flush();
    for (const s of [a, b]) {
      s.closed = true;
      s.endTime = s.startTime! + 60_000;
      sink.sessionEnded(s);
    }
    await sink.flush();
    const messages = async (s: Session) => (await readValid(path.join(dir, `${s.sessionId}.json`))).steps.map((x) => x.message);
    expect(await messages(a)).toEqual(['You are a helpful agent.', 'asked in a', 'answer to asked in a']);
    expect(await messages(b)).toEqual(['You are a helpful agent.', 'asked in b', 'answer to asked in b']);
  });

  it('checkpoints that pile up while a write is in flight are coalesced', async () => {
    const sink = sinkFor();
    const s = session();
    for (let i = 1; i <= 40; i++) sink.runEnded(s, addRun(s, `r${i}`, `p${i}`, i));
    await sink.flush();
    expect(sink.health().exported).toBeLessThanOrEqual(2);
    const doc = await readValid(path.join(dir, `${s.sessionId}.json`));
    expect(doc.steps.filter((x) => x.source === 'agent')).toHaveLength(40);
  });

  it('a quiet session writes no file', async () => {
    const sink = sinkFor();
    const s = session();
    s.runs.push(run('r1', undefined, [], { sawLlmInput: false, systemPrompt: undefined }));
    sink.runEnded(s, s.runs[0]!);
    sink.sessionEnded(s);
    await sink.flush();
    expect(await list()).toEqual([]);
    expect(sink.health()).toMatchObject({ state: 'ok', failures: 0, exported: 0 });
  });

  it('subagents live in their root file, embedded and referenced; never a file of their own', async () => {
    const sink = sinkFor();
    const parent = session({ sessionKey: 'agent:main:gw-spawn' });
    const spawn = tool('call_spawn', 'sessions_spawn', { childSessionKey: 'agent:main:subagent:c1', result: '{"status":"accepted"}' });
    const p1 = run('p1', 'spawn it', [call('p1', 1, { text: '', toolCalls: [{ id: 'call_spawn', name: 'sessions_spawn' }], tools: [spawn] })]);
    parent.runs.push(p1);
    const child = session({ sessionKey: 'agent:main:subagent:c1', sessionId: 'child-1' });
    adopt(parent, child, 'p1', 'call_spawn');
    sink.runEnded(parent, p1);
    await sink.flush();
    const file = path.join(dir, `${parent.sessionId}.json`);
    let doc = await readValid(file);
    expect(doc.subagent_trajectories).toBeUndefined();

    const c1 = addRun(child, 'c1', 'subtask', 2);
    sink.runEnded(child, c1);
    child.closed = true;
    sink.sessionEnded(child);
    await sink.flush();
    expect(await list()).toEqual([`${parent.sessionId}.json`]);
    doc = await readValid(file);
    expect(doc.subagent_trajectories?.map((t) => t.trajectory_id)).toEqual(['child-1']);
    // The parent's cached run was rebuilt once the child became embeddable.
    expect(doc.steps[2]!.observation!.results[0]!.subagent_trajectory_ref).toEqual([{ trajectory_id: 'child-1', session_id: 'child-1' }]);
    sink.sessionEnded(parent);
    await sink.flush();
    expect(await readValid(file)).toEqual(buildTrajectory(parent, META));
  });

  it('a session whose lineage arrives late moves into its root file', async () => {
    const sink = sinkFor();
    const child = session({ sessionKey: 'agent:main:subagent:late', sessionId: 'late-child' });
    sink.runEnded(child, addRun(child, 'c1', 'sub', 1));
    await sink.flush();
    expect(await list()).toEqual(['late-child.json']);
    const parent = session({ sessionKey: 'agent:main:p' });
    const pr = addRun(parent, 'p1', 'parent', 2);
    adopt(parent, child, 'p1', 'x');
    sink.runEnded(child, addRun(child, 'c2', 'sub2', 3));
    sink.runEnded(parent, pr);
    await sink.flush();
    expect(await list()).toEqual([`${parent.sessionId}.json`]);
    const doc = await readValid(path.join(dir, `${parent.sessionId}.json`));
    expect(doc.subagent_trajectories?.[0]?.steps.filter((x) => x.source === 'user')).toHaveLength(2);
  });

  it('a subagent that was finalized as a root before its lineage was known still moves into the root file', async () => {
    const sink = sinkFor();
    const child = session({ sessionKey: 'agent:main:subagent:early', sessionId: 'early-child' });
    sink.runEnded(child, addRun(child, 'c1', 'sub', 1));
    sink.sessionEnded(child);
    await sink.flush();
    expect(await list()).toEqual(['early-child.json']);
    const parent = session({ sessionKey: 'agent:main:p2' });
    const pr = addRun(parent, 'p1', 'parent', 2);
    adopt(parent, child, 'p1', 'x');
    // Only the parent hears of it: the root's own checkpoint finds the stray file.
    sink.runEnded(parent, pr);
    await sink.flush();
    expect(await list()).toEqual([`${parent.sessionId}.json`]);
  });

  it('hostile session ids stay inside output_directory, one distinct file each', async () => {
    const sink = sinkFor();
    const ids = ['../../etc/passwd', 'a\u0000b', 'line1\nline2', 'x'.repeat(10_000), '..', '/abs/path', 'C:\\win\\path'];
    for (const [i, id] of ids.entries()) {
      const s = session({ sessionId: id, sessionKey: `k${i}` });
      sink.runEnded(s, addRun(s, 'r1', `p${i}`, 1));
    }
    await sink.flush();
    expect(sink.health().failures).toBe(0);
    const names = await list();
    expect(names).toHaveLength(ids.length);
    for (const n of names) {
      expect(n).toMatch(/^[A-Za-z0-9._-]{1,180}$/);
      expect(n.startsWith('.tmp')).toBe(false);
      await readValid(path.join(dir, n));
    }
    // Nothing escaped: the temp root holds only the output directory.
    expect(await list(tmp)).toEqual(['out']);
    const withIds = await Promise.all(names.map(async (n) => (JSON.parse(await readFile(path.join(dir, n), 'utf8')) as AtifTrajectory).session_id));
    expect(withIds.sort()).toEqual([...ids].sort());
  });

  it('hostile templates cannot leave the directory either', async () => {
    for (const template of ['../{session_id}.json', '{session_key}/../../x.json', '/etc/{session_id}', '..']) {
      const sink = sinkFor({ filenameTemplate: template });
      const s = session({ sessionKey: '../../k' });
      sink.runEnded(s, addRun(s, 'r1', 'x', 1));
      await sink.flush();
      expect(sink.health().failures, template).toBe(0);
    }
    expect(await list(tmp)).toEqual(['out']);
    expect((await list()).length).toBe(4);
  });

  it('an unwritable directory is counted and retried at the next checkpoint, without throwing or leaving partial files', async () => {
    // Tests run as root, and root ignores permission bits (chmod 0500 would not stop it).
    // A path below a regular FILE fails for every user: mkdir/open get ENOTDIR.
    const blocker = path.join(tmp, 'blocker');
    await writeFile(blocker, 'not a directory');
    const errors: unknown[] = [];
    const sink = createAtifSink(config({ outputDirectory: path.join(blocker, 'atif') }), { openclawVersion: 'v', pluginVersion: 'p', onError: (e) => errors.push(e) });
    const s = session();
    expect(() => sink.runEnded(s, addRun(s, 'r1', 'x', 1))).not.toThrow();
    await sink.flush();
    let h = sink.health();
    expect(h).toMatchObject({ state: 'degraded', failures: 1, exported: 0 });
    expect(h.lastError?.message).toMatch(/ENOTDIR/);
    expect(errors).toHaveLength(1);

    // The obstacle goes away; the next checkpoint writes everything, including the failed run.
    await rm(blocker);
    await mkdir(blocker);
    sink.runEnded(s, addRun(s, 'r2', 'y', 3));
    await sink.flush();
    h = sink.health();
    expect(h).toMatchObject({ state: 'ok', failures: 1, exported: 1 });
    const doc = await readValid(path.join(blocker, 'atif', `${s.sessionId}.json`));
    expect(doc.steps.filter((x) => x.source === 'user').map((x) => x.message)).toEqual(['x', 'y']);
    expect(await list(path.join(blocker, 'atif'))).toEqual([`${s.sessionId}.json`]);
  });

  it('a failed write leaves the previous version and no temp file', async () => {
    const target = path.join(dir, 'f.json');
    await writeFileAtomic(target, [Buffer.from('{"v":1}')]);
    // A chunk that is not a buffer makes writev throw after the temp file was opened.
    await expect(writeFileAtomic(target, [Buffer.from('{"v":'), '2}' as unknown as Buffer])).rejects.toThrow();
    expect(await readFile(target, 'utf8')).toBe('{"v":1}');
    expect(await list()).toEqual(['f.json']);
    // Rename over a directory fails too (EISDIR): again no temp file stays behind.
    await mkdir(path.join(dir, 'd.json'));
    await expect(writeFileAtomic(path.join(dir, 'd.json'), [Buffer.from('{}')])).rejects.toThrow();
    expect(await list()).toEqual(['d.json', 'f.json']);
  });

  it('atomic: a reader polling during checkpoints always finds a complete, valid file; no temp files remain', async () => {
    const sink = sinkFor();
    const s = session();
    const file = path.join(dir, `${s.sessionId}.json`);
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        try {
          const text = await readFile(file, 'utf8');
          JSON.parse(text);
          reads++;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 30; i++) {
      sink.runEnded(s, addRun(s, `r${i}`, `prompt ${i} ${'x'.repeat(2000)}`, i));
      await sink.flush();
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(await list()).toEqual([`${s.sessionId}.json`]);
    expect((await readValid(file)).steps.filter((x) => x.source === 'agent')).toHaveLength(30);
  });

  it('directory 0700 and files 0600', async () => {
    const sink = sinkFor();
    const s = session();
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    await sink.flush();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, `${s.sessionId}.json`))).mode & 0o777).toBe(0o600);
  });

  it('never replaces a file it did not write (an earlier process, the same session id)', async () => {
    await mkdir(dir, { recursive: true });
    const s = session();
    await writeFile(path.join(dir, `${s.sessionId}.json`), 'earlier process');
    const sink = sinkFor();
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    await sink.flush();
    expect(await readFile(path.join(dir, `${s.sessionId}.json`), 'utf8')).toBe('earlier process');
    await readValid(path.join(dir, `${s.sessionId}-2.json`));
    // Segments of one key in this process are kept apart the same way.
    const seg2 = session({ segment: 2 } as Partial<Session>);
    sink.runEnded(seg2, addRun(seg2, 'r9', 'again', 1));
    await sink.flush();
    const doc = await readValid(path.join(dir, `${s.sessionId}-3.json`));
    expect(doc.trajectory_id).toBe(`${s.sessionId}#2`);
  });

  it('a file first named by session key moves to the session id once it is known', async () => {
    const sink = sinkFor();
    const s = session({ sessionId: undefined, sessionKey: 'agent:main:k' });
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    await sink.flush();
    expect(await list()).toEqual(['agent_main_k.json']);
    s.sessionId = 'abc-123';
    sink.runEnded(s, addRun(s, 'r2', 'y', 3));
    await sink.flush();
    expect(await list()).toEqual(['abc-123.json']);
  });

  it('shutdown flushes, then refuses further work as drops', async () => {
    const sink = sinkFor();
    const s = session();
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    await sink.shutdown();
    expect(await list()).toEqual([`${s.sessionId}.json`]);
    sink.runEnded(s, addRun(s, 'r2', 'y', 3));
    sink.sessionEnded(s);
    await sink.flush();
    expect(sink.health()).toMatchObject({ state: 'stopped', dropped: 2, exported: 1 });
  });

  it('flushSync (process exit, no event loop left) writes pending files synchronously and stops', async () => {
    const sink = sinkFor();
    const a = session();
    const b = session({ sessionId: 'second', sessionKey: 'agent:main:b' });
    sink.runEnded(a, addRun(a, 'r1', 'x', 1));
    await sink.flush();
    sink.runEnded(a, addRun(a, 'r2', 'y', 3));
    sink.sessionEnded(a);
    sink.runEnded(b, addRun(b, 'r1', 'z', 1));
    // Nothing async gets to run: the runtime calls this from process.on('exit').
    sink.flushSync!();
    expect(await list()).toEqual([`${a.sessionId}.json`, 'second.json']);
    expect(await readValid(path.join(dir, `${a.sessionId}.json`))).toEqual(buildTrajectory(a, META));
    expect((await readValid(path.join(dir, 'second.json'))).steps).toHaveLength(3);
    expect(sink.health()).toMatchObject({ state: 'stopped', failures: 0 });
    await sink.flush();
    expect(await list()).toEqual([`${a.sessionId}.json`, 'second.json']);
  });

  it('a disabled sink does nothing and says so', async () => {
    const sink = sinkFor({ enabled: false });
    const s = session();
    sink.runEnded(s, addRun(s, 'r1', 'x', 1));
    await sink.flush();
    expect(await list()).toEqual([]);
    expect(sink.health()).toMatchObject({ state: 'disabled', enabled: false, dropped: 0 });
  });
});
