// ATIF output under disk faults, through the registered handlers:
//   - output_directory missing (never created, or removed between checkpoints);
//   - not writable: a path below a regular FILE (ENOTDIR: stops root too, where chmod does
//     not), and a read-only bind mount (EROFS) when this process may mount;
//   - disk full: a 64 kB tmpfs (ENOSPC) when this process may mount; otherwise the same
//     scenario runs in a child process whose file size limit is 64 kB (RLIMIT_FSIZE: a write
//     past it fails with EFBIG, Node ignores SIGXFSZ), the same failure mid-write.
// Each time: no handler throws or slows down, status is degraded and says why, the write is
// retried at the next checkpoint and lands once the fault is gone, and nothing partial is
// left behind: no temp file, and every file there parses and validates.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, afterAll } from 'vitest';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { canMount, growTmpfs, mount, umount, withTinyTmpfs } from '../../support/mounts.ts';
import { agentSteps, eventually, inspectAtifDir, pluginConfig, scratch, setupPlugin, status, stopGateway, turn, type Plugin, removeScratch } from './helpers.ts';

afterAll(removeScratch);

afterEach(() => resetSharedRuntime());

/** Status after the writers have settled. */
async function settled(p: Plugin) {
  await p.runtime.flush();
  return status(p);
}

function atifOf(s: Awaited<ReturnType<typeof status>>) {
  return s.outputs.find((o) => o.name === 'atif')!;
}

function expectClean(dir: string, sessions: Record<string, number>): void {
  const report = inspectAtifDir(dir);
  expect(report.strays, 'temp files or other leftovers').toEqual([]);
  expect(report.problems).toEqual([]);
  const byKey = Object.fromEntries([...report.docs.values()].map((d) => [d.extra.openclaw.session_key, agentSteps(d).length]));
  expect(byKey).toEqual(sessions);
}

describe('ATIF directory faults', () => {
  it('a missing directory is created, and re-created when removed between checkpoints', async () => {
    const root = scratch('nr-fault-');
    const out = join(root, 'not', 'yet', 'there');
    const p = setupPlugin(pluginConfig(out));
    turn(p, 'agent:main:m', 'r1');
    expect(atifOf(await settled(p)).state).toBe('ok');
    expectClean(out, { 'agent:main:m': 1 });
    rmSync(join(root, 'not'), { recursive: true });
    turn(p, 'agent:main:m', 'r2');
    expect(atifOf(await settled(p)).state).toBe('ok');
    // The checkpoint rewrites the whole session: nothing of the removed file is lost.
    expectClean(out, { 'agent:main:m': 2 });
    await stopGateway(p);
    expectClean(out, { 'agent:main:m': 2 });
  });

  it('not writable (a path below a regular file): degraded with the reason, retried at the next checkpoint', async () => {
    const root = scratch('nr-fault-');
    writeFileSync(join(root, 'blocker'), 'a file where a folder should be');
    const out = join(root, 'blocker', 'out');
    const p = setupPlugin(pluginConfig(out));
    const slowest = Math.max(turn(p, 'agent:main:w', 'r1'), turn(p, 'agent:main:other', 'o1'));
    expect(slowest).toBeLessThan(50);
    let s = await settled(p);
    expect(s.state).toBe('degraded');
    expect(atifOf(s).state).toBe('degraded');
    expect(atifOf(s).failures).toBeGreaterThanOrEqual(1);
    expect(s.reasons.join('\n')).toMatch(/^atif: .*(ENOTDIR|EEXIST)/m);
    expect(atifOf(s).lastError?.message).toMatch(/ENOTDIR|EEXIST/);

    // The fault goes away; the next checkpoint writes everything, both sessions.
    rmSync(join(root, 'blocker'));
    turn(p, 'agent:main:w', 'r2');
    s = await settled(p);
    await eventually(async () => inspectAtifDir(out).files.length === 1);
    expectClean(out, { 'agent:main:w': 2 });
    // The other failed file is retried by a later checkpoint of any file (after a 1 s pause).
    await new Promise((r) => setTimeout(r, 1100));
    turn(p, 'agent:main:w', 'r3');
    await eventually(async () => inspectAtifDir(out).files.length === 2, 5000, 'the other session retried');
    s = await settled(p);
    expect(s.state, JSON.stringify(s.reasons)).toBe('ready');
    expect(atifOf(s).state).toBe('ok');
    await stopGateway(p);
    expectClean(out, { 'agent:main:w': 3, 'agent:main:other': 1 });
  });

  it.runIf(canMount)('read-only folder (a read-only bind mount: EROFS even for root): degraded, then written once writable', async () => {
    const root = scratch('nr-fault-');
    const backing = join(root, 'backing');
    const out = join(root, 'ro');
    mkdirSync(backing, { mode: 0o700 });
    mkdirSync(out, { mode: 0o700 });
    mount(['--bind', backing, out]);
    try {
      mount(['-o', 'remount,bind,ro', out]);
      const p = setupPlugin(pluginConfig(out));
      expect(turn(p, 'agent:main:ro', 'r1')).toBeLessThan(50);
      const s = await settled(p);
      expect(s.state).toBe('degraded');
      expect(s.reasons.join('\n')).toMatch(/^atif: .*EROFS/m);
      mount(['-o', 'remount,bind,rw', out]);
      turn(p, 'agent:main:ro', 'r2');
      await settled(p);
      expect(atifOf(await status(p)).state).toBe('ok');
      await stopGateway(p);
      expectClean(out, { 'agent:main:ro': 2 });
    } finally {
      umount(out);
    }
  });
});

describe('disk full', () => {
  /** Runs with ~10 kB of prompt each: a few fit in 64 kB, a dozen do not. */
  const big = (i: number) => `turn ${i}: ${'lorem ipsum dolor sit amet '.repeat(400)}`;

  it.runIf(canMount)('a 64 kB tmpfs: ENOSPC degrades with the reason, the last good file stays valid, no temp file; written once space is back', async () => {
    await withTinyTmpfs(join(scratch('nr-fault-'), 'fs'), async (fs) => {
      const out = join(fs, 'out');
      const p = setupPlugin(pluginConfig(out, { capture: { maxFieldBytes: 65536 } }));
      turn(p, 'agent:main:small', 's1');
      turn(p, 'agent:main:full', 'f1', { prompt: big(1) });
      await settled(p);
      expectClean(out, { 'agent:main:small': 1, 'agent:main:full': 1 });

      // Grow the session past what the disk holds: every later checkpoint fails mid-write.
      let slowest = 0;
      for (let i = 2; i <= 12; i++) {
        slowest = Math.max(slowest, turn(p, 'agent:main:full', `f${i}`, { prompt: big(i) }));
        await settled(p);
      }
      expect(slowest).toBeLessThan(50);
      const s = await settled(p);
      expect(s.state).toBe('degraded');
      expect(s.reasons.join('\n')).toMatch(/^atif: .*ENOSPC/m);
      const failedAt = atifOf(s).failures;
      expect(failedAt).toBeGreaterThan(0);
      // Atomic writes: the file holds its last complete checkpoint, and no temp file is left.
      const report = inspectAtifDir(out);
      expect(report.strays).toEqual([]);
      expect(report.problems).toEqual([]);
      const partial = [...report.docs.values()].find((d) => d.extra.openclaw.session_key === 'agent:main:full')!;
      const kept = agentSteps(partial).length;
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(kept).toBeLessThan(12);

      // Space comes back: the next checkpoint writes all twelve runs.
      growTmpfs(fs);
      turn(p, 'agent:main:full', 'f13', { prompt: 'short' });
      await settled(p);
      expect(atifOf(await status(p)).state).toBe('ok');
      await stopGateway(p);
      expectClean(out, { 'agent:main:small': 1, 'agent:main:full': 13 });
    });
  });

  it.runIf(canMount)('disk full at process exit (the synchronous last write): no temp file, the previous file still valid', async () => {
    await withTinyTmpfs(join(scratch('nr-fault-'), 'fs'), async (fs) => {
      const out = join(fs, 'out');
      const p = setupPlugin(pluginConfig(out, { capture: { maxFieldBytes: 65536 } }));
      turn(p, 'agent:main:exit', 'e1', { prompt: big(1) });
      await settled(p);
      for (let i = 2; i <= 12; i++) turn(p, 'agent:main:exit', `e${i}`, { prompt: big(i) });
      // As on process 'exit': no event loop, sessions closed and written synchronously.
      expect(() => p.runtime.exitSync()).not.toThrow();
      const report = inspectAtifDir(out);
      expect(report.strays).toEqual([]);
      expect(report.problems).toEqual([]);
      expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(atifOf(await status(p)).failures).toBeGreaterThan(0);
    });
  });

  it.skipIf(canMount)('without mount rights: a write that fails mid-file (RLIMIT_FSIZE, EFBIG) leaves the last good file and no temp file', () => {
    // The same sink, in a child whose file size limit is 64 kB: the honest stand-in for a full disk.
    const root = scratch('nr-fault-');
    const script = join(root, 'child.ts');
    writeFileSync(
      script,
      [
        `import { createAtifSink } from ${JSON.stringify(new URL('../../../src/outputs/atif/sink.ts', import.meta.url).pathname)};`,
        `const out = ${JSON.stringify(join(root, 'out'))};`,
        "const sink = createAtifSink({ enabled: true, agentName: 'openclaw', outputDirectory: out, filenameTemplate: '{session_id}.json' }, { openclawVersion: 'x', pluginVersion: 'y' });",
        "const session = { kind: 'session', traceId: 't', spanId: 's', sessionKey: 'k', sessionId: 'efbig', startTime: 1, openedBy: 'x', segment: 1, children: [], runs: [], tools: [], marks: [], closed: false };",
        'for (let i = 1; i <= 12; i++) {',
        "  const run = { kind: 'run', spanId: `r${i}`, runId: `r${i}`, startTime: i, endTime: i + 1, status: 'ok', prompt: 'x'.repeat(10000), llmCalls: [{ kind: 'llm', spanId: `c${i}`, callId: `r${i}:model:1`, index: 1, runId: `r${i}`, input: [], status: 'ok', tools: [], marks: [], output: { role: 'assistant', content: 'ok' } }], orphanTools: [], sawLlmInput: true, marks: [] };",
        '  session.runs.push(run); sink.runEnded(session, run); await sink.flush();',
        '}',
        'process.stdout.write(JSON.stringify(sink.health()));',
      ].join('\n'),
    );
    const res = spawnSync('sh', ['-c', `ulimit -f 128 && exec "${process.execPath}" "${script}"`], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const health = JSON.parse(res.stdout) as { failures: number; lastError?: { message: string } };
    expect(health.failures).toBeGreaterThan(0);
    expect(health.lastError?.message).toMatch(/EFBIG|too large/i);
    const report = inspectAtifDir(join(root, 'out'));
    expect(report.strays).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.files).toEqual(['efbig.json']);
  });
});

describe('SIGKILL in the middle of checkpoint writes', () => {
  it('every file left behind is valid JSON and valid ATIF; the next writer removes the temp files of a killed one', async () => {
    const root = scratch('nr-kill-');
    const out = join(root, 'out');
    const writer = new URL('./sigkill-writer.ts', import.meta.url).pathname;
    const strays = new Set<string>();
    let torn = 0;
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, [writer, out, `killed-${i % 3}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      // Somewhere in the stream of checkpoint writes (each a few hundred kB, temp + rename).
      await new Promise((r) => setTimeout(r, 20 + ((i * 37) % 120)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const report = inspectAtifDir(out);
      // Whatever the moment: what carries a trajectory name is a complete, valid document, or
      // (a kill inside an in-place update of a large file) has the rollback journal beside it.
      for (const problem of report.problems) {
        const name = problem.slice(0, problem.indexOf(':'));
        expect(
          report.strays.some((s) => s.startsWith(`.${name}.`) && s.endsWith('.journal')),
          `kill ${i}: ${problem.slice(0, 300)} and no journal to undo it`,
        ).toBe(true);
        torn++;
      }
      expect(report.files.length).toBeGreaterThanOrEqual(1);
      for (const name of report.strays) strays.add(name);
    }
    // The next process to write there undoes unfinished in-place updates and clears what killed
    // writers left (temp files once they are stale: backdate them instead of waiting).
    const old = new Date(Date.now() - 3600_000);
    for (const name of readdirSync(out)) if (name.endsWith('.tmp')) utimesSync(join(out, name), old, old);
    const p = setupPlugin(pluginConfig(out));
    turn(p, 'agent:main:next', 'n1');
    await settled(p);
    await stopGateway(p);
    const after = inspectAtifDir(out);
    expect(after.strays).toEqual([]);
    expect(after.problems).toEqual([]);
    console.log(`[sigkill] 12 kills mid-write: ${strays.size} temp/journal files left by the kills, ${torn} torn files undone by their journal at the next start; 0 left after it; every JSON file valid`);
  }, 60_000);
});
