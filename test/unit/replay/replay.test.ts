// Replay: a recorded hook stream is fed live to a runtime while the ATOF file sink journals
// it; `nemo-relay replay` then rebuilds the ATIF files from the journal alone, and they must
// equal the live ones. Spans go to a real OTLP/HTTP receiver.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { validateAtif } from '../../../src/outputs/atif/validate.ts';
import { AtofJournal } from '../../../src/outputs/atof/index.ts';
import { atof as parseAtof } from '../../support/storage-config.ts';
import { readJournal } from '../../../src/replay/read-journal.ts';
import { replayCommand } from '../../../src/replay/replay-command.ts';
import { replayConfig } from '../../../src/replay/run.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { CapturePolicy } from '../../../src/trace/capture.ts';
import { startOtlpReceiver } from '../../support/otlp-receiver.ts';
import { readRecording } from '../../support/replay.ts';
import { withoutInputProofs } from '../../support/atif-compare.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'replay-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** The live side: a runtime fed the fixture with its recorded times, and the ATOF journal beside it. */
async function live(fixture: string, base: Record<string, unknown>, dir: string): Promise<string> {
  const atifDir = path.join(dir, 'live');
  const journalFile = path.join(dir, 'journal.jsonl');
  const records = readRecording(path.join(import.meta.dirname, '../../../fixtures', fixture));
  let clock = records[0]!.ts;
  const rt = new Runtime({
    rawConfig: replayConfig({ baseConfig: base, atifDir }),
    env: {},
    logger: quiet,
    pluginVersion: JSON.parse(await readFile(path.join(import.meta.dirname, '../../../package.json'), 'utf8')).version,
    openclawVersion: '2026.9.6',
    now: () => clock,
    ids: sequentialIds(),
    outputs: OUTPUTS,
  });
  const journal = new AtofJournal(parseAtof({ enabled: true, sinks: [{ type: 'file', output_directory: dir, filename: 'journal.jsonl' }] }, {})!, new CapturePolicy(rt.loaded.config.capture));
  journal.openclawVersion = '2026.9.6';
  for (const r of records) {
    clock = r.ts;
    rt.tick();
    rt.dispatch(r.hook, r.event, r.ctx);
    journal.record(r.hook, r.event, r.ctx, r.ts);
  }
  clock += 60_000;
  rt.tick();
  await rt.flush();
  await rt.stop('replay_end', 30_000);
  await journal.shutdown();
  expect(journal.health()[0]).toMatchObject({ exported: records.length, dropped: 0 });
  return journalFile;
}

async function docs(dir: string, opts: { proofs?: 'keep' | 'drop' } = {}): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as unknown;
    expect(validateAtif(doc).errors).toEqual([]);
    // A default-capture journal cannot re-prove exact inputs (test/support/atif-compare.ts).
    out.set(f, opts.proofs === 'drop' ? withoutInputProofs(doc) : doc);
  }
  return out;
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await replayCommand.run(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const FIXTURES = ['gateway-tool-call.jsonl', 'gateway-subagent.jsonl', 'gateway-parallel-tools.jsonl', 'gateway-failing-tool.jsonl', 'local-turn.jsonl'];

describe('replay', () => {
  for (const fixture of FIXTURES) {
    for (const [label, capture] of [
      ['default capture', {}],
      ['full capture', { stripToolArgs: false, stripToolResults: false }],
    ] as const) {
      it(`${fixture}, ${label}: the journal replays into ATIF equal to the live files`, async () => {
        const dir = path.join(tmp, `${fixture}-${label.replace(' ', '-')}`);
        const base = { capture };
        const journal = await live(fixture, base, dir);
        const configFile = path.join(dir, 'config.json');
        await writeFile(configFile, JSON.stringify(base));
        const res = await cli([journal, '--atif-dir', path.join(dir, 'replayed'), '--config', configFile]);
        expect(res.err).toBe('');
        expect(res.code).toBe(0);
        const proofs = label === 'full capture' ? 'keep' : 'drop';
        const want = await docs(path.join(dir, 'live'), { proofs });
        expect(want.size).toBeGreaterThan(0);
        expect(await docs(path.join(dir, 'replayed'), { proofs })).toEqual(want);
      });
    }
  }

  it('replays a recorded fixture directly and reads the OpenClaw version from an ATOF journal', async () => {
    const dir = path.join(tmp, 'direct');
    const journal = await live('gateway-tool-call.jsonl', {}, dir);
    expect((await readJournal(journal)).openclawVersion).toBe('2026.9.6');
    const res = await cli([path.join(import.meta.dirname, '../../../fixtures/gateway-tool-call.jsonl'), '--atif-dir', path.join(dir, 'from-fixture'), '--openclaw-version', '2026.9.6']);
    expect(res.code).toBe(0);
    expect(await docs(path.join(dir, 'from-fixture'))).toEqual(await docs(path.join(dir, 'live')));
  });

  it('the comparison is sensitive: a journal missing one tool result does not replay equal', async () => {
    const dir = path.join(tmp, 'lossy');
    const journal = await live('gateway-tool-call.jsonl', { capture: { stripToolResults: false } }, dir);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    const cut = lines.filter((l) => !l.includes('"name":"openclaw.after_tool_call"'));
    expect(cut.length).toBe(lines.length - 1);
    await writeFile(journal, cut.join('\n'));
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ capture: { stripToolResults: false } }));
    expect((await cli([journal, '--atif-dir', path.join(dir, 'replayed'), '--config', configFile])).code).toBe(0);
    expect(await docs(path.join(dir, 'replayed'))).not.toEqual(await docs(path.join(dir, 'live')));
  });

  it('merges rotated journal files back into one stream', async () => {
    const dir = path.join(tmp, 'rotated');
    const journal = await live('gateway-subagent.jsonl', {}, dir);
    const lines = (await readFile(journal, 'utf8')).split('\n').filter(Boolean);
    const third = Math.ceil(lines.length / 3);
    // As the file sink rotates: .2 oldest, .1, then the live file.
    await writeFile(`${journal}.2`, `${lines.slice(0, third).join('\n')}\n`);
    await writeFile(`${journal}.1`, `${lines.slice(third, 2 * third).join('\n')}\n`);
    await writeFile(journal, `${lines.slice(2 * third).join('\n')}\n`);
    const res = await cli([journal, `${journal}.1`, `${journal}.2`, '--atif-dir', path.join(dir, 'replayed')]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(`replayed ${lines.length} hook events`);
    expect(await docs(path.join(dir, 'replayed'), { proofs: 'drop' })).toEqual(await docs(path.join(dir, 'live'), { proofs: 'drop' }));
  });

  it('sends spans to an OTLP endpoint', async () => {
    const dir = path.join(tmp, 'otlp');
    const journal = await live('gateway-tool-call.jsonl', {}, dir);
    const rx = await startOtlpReceiver();
    try {
      const res = await cli([journal, '--otlp', rx.url, '--openinference', rx.url]);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/opentelemetry: \d+ spans, 0 failures/);
      expect(res.out).toMatch(/openinference: \d+ spans, 0 failures/);
      expect(rx.spans().some((s) => s.attributes['openinference.span.kind'] === 'LLM')).toBe(true);
      const spans = rx.spans();
      expect(spans.length).toBeGreaterThan(2);
      expect(spans.some((s) => s.name.includes('probe_echo') || String(s.attributes['gen_ai.tool.name'] ?? '') === 'probe_echo')).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it('bad arguments and empty journals exit 2 with the reason', async () => {
    expect((await cli([])).err).toMatch(/JOURNAL is required/);
    expect((await cli(['x.jsonl'])).err).toMatch(/--atif-dir DIR and\/or --otlp URL/);
    expect((await cli(['x.jsonl', '--otlp', 'ftp://h'])).code).toBe(2);
    const empty = path.join(tmp, 'empty.jsonl');
    await writeFile(empty, 'not json\n{"kind":"mark","name":"other"}\n');
    const r = await cli([empty, '--atif-dir', path.join(tmp, 'none')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no hook records \(line 1: .*empty.jsonl: not JSON\)/);
  });
});
