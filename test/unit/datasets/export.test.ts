// The export loop over real files on disk: filters, subagents, invalid files, split
// determinism and byte-identical output across runs.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport, type ExportOptions } from '../../../src/datasets/export.ts';
import { parseFilters } from '../../../src/datasets/filters.ts';
import { formatNamed } from '../../../src/datasets/formats/index.ts';
import { assignSplit, parseSeed, parseSplit, splitFileName } from '../../../src/datasets/split.ts';
import { T0 } from '../outputs/atif/build.ts';
import { episode, withSubagent, writeDocs } from './docs.ts';

let tmp: string;
let inDir: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'datasets-export-'));
  inDir = path.join(tmp, 'in');
  const day = 86_400_000;
  await writeDocs(inDir, {
    'b-good.json': episode('good', { episode_id: 'ep-good', reward: 1, outcome: 'success', labels: ['gold'] }),
    'a-bad.json': episode('bad', { episode_id: 'ep-bad', reward: 0, outcome: 'failure' }, { start: T0 + day }),
    'c-partial.json': episode('partial', { reward: 0.5, outcome: 'partial' }, { agentId: 'coder', start: T0 + 2 * day }),
    'd-none.json': episode('none'),
    'sub/e-spawn.json': withSubagent('spawn', { reward: 0.9, outcome: 'success' }),
    'broken.json': '{"schema_version": "ATIF-v1.7", ',
    'invalid.json': { schema_version: 'ATIF-v1.7', agent: { name: 'x', version: '1' }, steps: [] },
    '.journal.json': 'not even json',
    'notes.txt': 'ignored',
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function exportWith(over: Partial<ExportOptions> & { filter?: Parameters<typeof parseFilters>[0] } = {}) {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const invalid: string[] = [];
  const { filter, ...rest } = over;
  const summary = await runExport({
    inDir,
    outFile: out,
    format: formatNamed('atif-jsonl'),
    filters: parseFilters(filter ?? {}),
    includeSubagents: false,
    withMeta: false,
    onInvalid: (f) => invalid.push(f),
    ...rest,
  });
  const read = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trajectory_id: string });
  const ids = summary.outputs[out] !== undefined ? (await read(out)).map((d) => d.trajectory_id) : [];
  return { summary, ids, invalid, out, read };
}

describe('export', () => {
  it('reads *.json recursively in byte order, skips and lists invalid files, ignores dot files', async () => {
    const { summary, ids, invalid } = await exportWith();
    // a-bad, b-good, broken, c-partial, d-none, invalid, sub/e-spawn
    expect(ids).toEqual(['bad', 'good', 'partial', 'none', 'spawn']);
    expect(invalid).toEqual(['broken.json', 'invalid.json']);
    expect(summary).toMatchObject({ files: 7, invalid: 2, samples: 5, filteredOut: 0, empty: 0 });
  });

  it('filters: repeated outcome is OR, min-reward, label, agent, since; unannotated files fail reward filters', async () => {
    expect((await exportWith({ filter: { filter: ['outcome=success', 'outcome=partial'] } })).ids).toEqual(['good', 'partial', 'spawn']);
    expect((await exportWith({ filter: { filter: ['outcome=success'], minReward: '0.95' } })).ids).toEqual(['good']);
    expect((await exportWith({ filter: { minReward: '0.5' } })).ids).toEqual(['good', 'partial', 'spawn']);
    expect((await exportWith({ filter: { filter: ['label=gold'] } })).ids).toEqual(['good']);
    expect((await exportWith({ filter: { filter: ['episode_id=ep-bad'] } })).ids).toEqual(['bad']);
    expect((await exportWith({ filter: { agent: 'coder' } })).ids).toEqual(['partial']);
    const since = await exportWith({ filter: { since: new Date(T0 + 86_400_000).toISOString() } });
    expect(since.ids).toEqual(['bad', 'partial']);
    expect(since.summary.filteredOut).toBe(3);
  });

  it('bad filter values are errors that name the option', () => {
    expect(() => parseFilters({ filter: ['reward>1'] })).toThrow(/--filter: "reward>1" is not KEY=VALUE/);
    expect(() => parseFilters({ minReward: 'high' })).toThrow(/--min-reward: "high" is not a number/);
    expect(() => parseFilters({ since: 'yesterday' })).toThrow(/--since: "yesterday" is not a date/);
  });

  it('subagents: only with --include-subagents, judged by the root annotations and their own agent', async () => {
    expect((await exportWith({ filter: { filter: ['outcome=success'] } })).ids).toEqual(['good', 'spawn']);
    expect((await exportWith({ includeSubagents: true, filter: { filter: ['outcome=success'] } })).ids).toEqual(['good', 'spawn', 'spawn-child']);
    expect((await exportWith({ includeSubagents: true, filter: { agent: 'helper' } })).ids).toEqual(['spawn-child']);
  });

  it('reads files larger than the read buffer, after smaller ones, intact', async () => {
    const { readTrajectories } = await import('../../../src/datasets/reader.ts');
    const dir = path.join(tmp, 'big');
    const big = episode('big');
    big.steps[1]!.message = `start ${'x'.repeat(300_000)} end`;
    await writeDocs(dir, { 'a-small.json': episode('small'), 'b-big.json': big, 'c-small.json': episode('small2') });
    const lengths: number[] = [];
    for await (const e of readTrajectories(dir)) lengths.push(e.ok ? String(e.doc.steps[1]!.message).length : -1);
    expect(lengths).toEqual(['Read /tmp/a.txt'.length, 300_010, 'Read /tmp/a.txt'.length]);
  });

  it('the same input gives byte-identical output', async () => {
    const a = await exportWith({ format: formatNamed('openai-chat-jsonl'), includeSubagents: true });
    const b = await exportWith({ format: formatNamed('openai-chat-jsonl'), includeSubagents: true });
    expect(a.summary.samples).toBe(6);
    expect(await readFile(a.out, 'utf8')).toBe(await readFile(b.out, 'utf8'));
  });
});

describe('split', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `traj-${i}`);

  it('same seed, same split; another seed, another split; shares are respected', () => {
    const parts = parseSplit('train=0.8,val=0.1,test=0.1');
    const s1 = ids.map((id) => assignSplit(parts, '7', id));
    expect(ids.map((id) => assignSplit(parts, '7', id))).toEqual(s1);
    const s2 = ids.map((id) => assignSplit(parts, '8', id));
    expect(s2.filter((x, i) => x !== s1[i]).length).toBeGreaterThan(200);
    const train = s1.filter((x) => x === 'train').length / ids.length;
    expect(train).toBeGreaterThan(0.75);
    expect(train).toBeLessThan(0.85);
    expect(new Set(s1)).toEqual(new Set(['train', 'val', 'test']));
  });

  it('an id keeps its split when other ids are added (assignment depends on seed and id only)', () => {
    const parts = parseSplit('train=0.5,val=0.5');
    const before = new Map(ids.slice(0, 100).map((id) => [id, assignSplit(parts, '1', id)]));
    for (const id of ids.slice(0, 100)) expect(assignSplit(parts, '1', id)).toBe(before.get(id));
  });

  it('writes FILE.<split>.<ext>; subagents follow their root; files are the same for the same seed', async () => {
    const split = { parts: parseSplit('train=0.5,val=0.5'), seed: parseSeed('42') };
    const a = await exportWith({ split, includeSubagents: true });
    const files = Object.keys(a.summary.outputs);
    expect(files).toEqual([splitFileName(a.out, 'train'), splitFileName(a.out, 'val')]);
    expect(files[0]).toMatch(/\.train\.jsonl$/);
    const contents = await Promise.all(files.map((f) => a.read(f)));
    const all = contents.flat().map((d) => d.trajectory_id).sort();
    expect(all).toEqual(['bad', 'good', 'none', 'partial', 'spawn', 'spawn-child']);
    const where = (id: string) => contents.findIndex((c) => c.some((d) => d.trajectory_id === id));
    expect(where('spawn-child')).toBe(where('spawn'));
    for (const id of ['bad', 'good', 'none', 'partial', 'spawn']) expect(files[where(id)]).toBe(splitFileName(a.out, assignSplit(split.parts, '42', id)));
    const b = await exportWith({ split, includeSubagents: true });
    for (const [i, f] of Object.keys(b.summary.outputs).entries()) expect(await readFile(f, 'utf8')).toBe(await readFile(files[i]!, 'utf8'));
  });

  it('bad split specs name the problem', () => {
    expect(() => parseSplit('train=0.9,val=0.2')).toThrow(/add up to 1, found 1.1/);
    expect(() => parseSplit('train=1,train=0')).toThrow(/named twice|above 0/);
    expect(() => parseSplit('train')).toThrow(/is not NAME=SHARE/);
    expect(() => parseSeed('x')).toThrow(/--seed: "x" is not an integer/);
    expect(splitFileName('/d/data', 'val')).toBe('/d/data.val');
  });
});
