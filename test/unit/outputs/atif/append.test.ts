// Checkpoints of large files rewrite only the file's end. What must hold: the file is the same
// document an atomic replace would have written, bytes written grow linearly with the session,
// the update happens in the same inode, and anything unexpected on disk falls back to a full
// atomic write.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canMount, growTmpfs, withTinyTmpfs } from '../../../support/mounts.ts';
import { FileMoved, TornWrite, recoverJournals, rewriteEnd } from '../../../../src/outputs/atif/append-write.ts';
import { writeFileAtomic } from '../../../../src/outputs/atif/atomic-write.ts';
import { createAtifSink } from '../../../../src/outputs/atif/sink.ts';
import { buildTrajectory } from '../../../../src/outputs/atif/trajectory.ts';
import type { AtifTrajectory } from '../../../../src/outputs/atif/types.ts';
import { formatAtifErrors, validateAtif } from '../../../../src/outputs/atif/validate.ts';
import type { Run, Session } from '../../../../src/trace/model.ts';
import { META, T0, call, mark, run, session } from './build.ts';

let tmp: string;
let dir: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'atif-append-'));
  dir = path.join(tmp, 'out');
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function sinkFor(appendFromBytes: number, errors: unknown[] = []) {
  return createAtifSink(
    { enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json' },
    { openclawVersion: META.openclawVersion, pluginVersion: META.pluginVersion, onError: (e) => errors.push(e), appendFromBytes },
  );
}

async function readValid(file: string): Promise<AtifTrajectory> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as AtifTrajectory;
  const res = validateAtif(doc);
  expect(res.errors, formatAtifErrors(res.errors)).toEqual([]);
  return doc;
}

function addRun(s: Session, i: number, pad = 0): Run {
  const r = run(`r${i}`, `prompt ${i} ${'p'.repeat(pad)}`, [call(`r${i}`, i * 2, { text: `answer ${i}` })]);
  s.runs.push(r);
  return r;
}

function details(sink: ReturnType<typeof sinkFor>): Record<string, number> {
  return sink.health().details as Record<string, number>;
}

describe('checkpoints of large files', () => {
  it('rewrite only the end, in the same inode, and the file is what a full render gives', async () => {
    const sink = sinkFor(0);
    const s = session();
    const file = path.join(dir, `${s.sessionId}.json`);
    const ended = new Set<Run>();
    let ino: number | undefined;
    for (let i = 1; i <= 12; i++) {
      const r = addRun(s, i);
      ended.add(r);
      sink.runEnded(s, r);
      await sink.flush();
      expect(await readValid(file)).toEqual(buildTrajectory(s, META, { includeRun: (_x, x) => ended.has(x) }));
      const now = (await stat(file)).ino;
      if (ino !== undefined) expect(now, `checkpoint ${i} replaced the file`).toBe(ino);
      ino = now;
    }
    expect(details(sink)).toMatchObject({ checkpoints_written: 12, checkpoints_appended: 11 });

    // The final version is an atomic replace: a new inode, and the document a full build gives.
    s.closed = true;
    s.endTime = s.startTime! + 60_000;
    sink.sessionEnded(s);
    await sink.flush();
    expect(await readValid(file)).toEqual(buildTrajectory(s, META));
    expect((await stat(file)).ino).not.toBe(ino);
    expect(details(sink)).toMatchObject({ checkpoints_written: 13, checkpoints_appended: 11, files_finalized: 1 });
  });

  it('bytes written grow linearly with the session, not with its square', async () => {
    const sink = sinkFor(0);
    const s = session();
    const runs = 80;
    for (let i = 1; i <= runs; i++) {
      sink.runEnded(s, addRun(s, i, 2000));
      await sink.flush();
    }
    const size = (await stat(path.join(dir, `${s.sessionId}.json`))).size;
    const written = details(sink).bytes_written!;
    // Replacing the file each time would write about runs/2 = 40 times its final size.
    expect(written).toBeLessThan(2 * size);
    expect(written).toBeGreaterThanOrEqual(size);
  });

  it('small files are still replaced atomically (default threshold)', async () => {
    const sink = createAtifSink(
      { enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json' },
      { openclawVersion: META.openclawVersion, pluginVersion: META.pluginVersion },
    );
    const s = session();
    for (let i = 1; i <= 3; i++) {
      sink.runEnded(s, addRun(s, i));
      await sink.flush();
    }
    expect(details(sink)).toMatchObject({ checkpoints_written: 3, checkpoints_appended: 0 });
  });

  it('a session-level mark among the steps does not stop in-place updates', async () => {
    const sink = sinkFor(0);
    const s = session();
    sink.runEnded(s, addRun(s, 1));
    await sink.flush();
    s.marks.push(mark('context.compaction', T0 + 5_000, { attributes: { summary: 'We talked about X' } }));
    for (let i = 2; i <= 4; i++) {
      sink.runEnded(s, addRun(s, i * 10));
      await sink.flush();
    }
    expect(details(sink).checkpoints_appended).toBeGreaterThanOrEqual(2);
    const ended = new Set(s.runs);
    expect(await readValid(path.join(dir, `${s.sessionId}.json`))).toEqual(buildTrajectory(s, META, { includeRun: (_x, x) => ended.has(x) }));
  });

  it('a file changed, replaced or removed behind the writer gets a full write, never a patch', async () => {
    const sink = sinkFor(0);
    const s = session();
    const file = path.join(dir, `${s.sessionId}.json`);
    const step = async (i: number) => {
      sink.runEnded(s, addRun(s, i));
      await sink.flush();
      return readValid(file);
    };
    await step(1);
    // Same inode, other content (and size).
    await writeFile(file, '{"not":"ours"}');
    expect((await step(2)).steps.filter((x) => x.source === 'user')).toHaveLength(2);
    // Another file renamed over it.
    await writeFile(path.join(tmp, 'other.json'), (await readFile(file, 'utf8')) + ' ');
    execFileSync('mv', [path.join(tmp, 'other.json'), file]);
    expect((await step(3)).steps.filter((x) => x.source === 'user')).toHaveLength(3);
    // Removed.
    await rm(file);
    expect((await step(4)).steps.filter((x) => x.source === 'user')).toHaveLength(4);
    expect(details(sink)).toMatchObject({ checkpoints_written: 4, checkpoints_appended: 0 });
    expect(sink.health().failures).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([`${s.sessionId}.json`]);
  });
});

describe('disk full during an in-place update', () => {
  it.runIf(canMount)('the file keeps its last complete checkpoint, the failure is reported, and it is all written once space is back', async () => {
    await withTinyTmpfs(path.join(tmp, 'fs'), async (fsDir) => {
      dir = path.join(fsDir, 'out');
      const errors: unknown[] = [];
      const sink = sinkFor(0, errors);
      const s = session();
      const file = path.join(dir, `${s.sessionId}.json`);
      let lastGood = 0;
      for (let i = 1; i <= 14 && errors.length === 0; i++) {
        sink.runEnded(s, addRun(s, i, 6000));
        await sink.flush();
        const users = (await readValid(file)).steps.filter((x) => x.source === 'user').length;
        if (errors.length === 0) lastGood = users;
        // Failed or not, the file on disk is a complete earlier checkpoint.
        expect(users).toBe(lastGood);
      }
      expect(errors.length, 'the disk never filled up').toBeGreaterThan(0);
      expect(String(errors[0])).toMatch(/ENOSPC/);
      expect(details(sink).checkpoints_appended).toBeGreaterThan(0);
      expect(lastGood).toBeGreaterThan(1);
      expect(await readdir(dir)).toEqual([`${s.sessionId}.json`]);

      growTmpfs(fsDir);
      sink.runEnded(s, addRun(s, 99));
      await sink.flush();
      const ended = new Set(s.runs);
      expect(await readValid(file)).toEqual(buildTrajectory(s, META, { includeRun: (_x, x) => ended.has(x) }));
      expect(sink.health().state).toBe('ok');
    });
  });
});

describe('rewriteEnd', () => {
  it('puts the new end in place and reports the new size', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    const now = await rewriteEnd(file, was, 7, [Buffer.from(',2,3]}\n')], 14);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1,2,3]}\n');
    expect(now).toEqual({ ino: was.ino, dev: was.dev, size: 14 });
  });

  it('refuses a file that is not the one written (FileMoved), touching nothing', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    await expect(rewriteEnd(file, { ...was, size: was.size + 1 }, 7, [Buffer.from(',2]}\n')], 12)).rejects.toBeInstanceOf(FileMoved);
    await expect(rewriteEnd(file, { ...was, ino: was.ino + 1 }, 7, [Buffer.from(',2]}\n')], 12)).rejects.toBeInstanceOf(FileMoved);
    await expect(rewriteEnd(path.join(dir, 'gone.json'), was, 7, [Buffer.from(',2]}\n')], 12)).rejects.toBeInstanceOf(FileMoved);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1]}\n');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('a write that fails after the room was reserved is a TornWrite, rolled back from the journal at once', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    // Not a Buffer: writev throws once the file has grown.
    await expect(rewriteEnd(file, was, 7, ['x' as unknown as Buffer], 12)).rejects.toBeInstanceOf(TornWrite);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1]}\n');
    expect(await readdir(dir)).toEqual(['a.json']);
  });
});

describe('recoverJournals (the next writer after a crash)', () => {
  // What rewriteEnd leaves when its process dies inside the in-place write: the journal of a
  // pid that no longer runs, and a file whose end is half new.
  const DEAD_PID = 4_194_000;
  const journal = (name: string) => path.join(dir, `.${name}.${DEAD_PID}.journal`);
  const head = (img: { ino: number; dev: number }, offset: number, size: number, length: number) =>
    `${JSON.stringify({ ino: img.ino, dev: img.dev, offset, size, length })}\n`;

  it('puts the old end back into the torn file and removes the journal', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    await writeFile(journal('a.json'), head(was, 7, 10, 3) + ']}\n');
    await writeFile(file, '{"a":[1,{"b":tor');
    const same = await stat(file);
    expect(same.ino).toBe(was.ino);
    expect(await recoverJournals(dir)).toBe(1);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1]}\n');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('leaves a file alone that was replaced since, and a journal cut short; both journals go', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    // A later atomic write (the exit-time final write) gave the name a new inode.
    await writeFileAtomic(file, [Buffer.from('{"a":[1,2,3]}\n')]);
    await writeFile(journal('a.json'), head(was, 7, 10, 3) + ']}\n');
    const other = path.join(dir, 'b.json');
    const wasB = await writeFileAtomic(other, [Buffer.from('{"b":[1]}\n')]);
    await writeFile(journal('b.json'), head(wasB, 7, 10, 3) + ']'); // cut before the file was touched
    expect(await recoverJournals(dir)).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1,2,3]}\n');
    expect(await readFile(other, 'utf8')).toBe('{"b":[1]}\n');
    expect((await readdir(dir)).sort()).toEqual(['a.json', 'b.json']);
  });

  it('never touches the journal of a process that still runs', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'a.json');
    const was = await writeFileAtomic(file, [Buffer.from('{"a":[1]}\n')]);
    const live = path.join(dir, `.a.json.${process.ppid}.journal`);
    await writeFile(live, head(was, 7, 10, 3) + ']}\n');
    await writeFile(file, '{"a":[1,2]}\n');
    expect(await recoverJournals(dir)).toBe(0);
    expect(await readFile(file, 'utf8')).toBe('{"a":[1,2]}\n');
  });
});
