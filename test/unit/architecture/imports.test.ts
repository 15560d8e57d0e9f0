// Dependency direction, checked on every import of src/: the pipeline stages never reach
// downstream or sideways into the composition root, and outputs never reach the runtime.
// (docs/architecture.md draws the picture this enforces.)

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SRC = path.join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every relative import and re-export of a file, as src-relative paths of their targets. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    out.push(path.relative(SRC, path.resolve(path.dirname(file), spec)));
  }
  return out;
}

const stageOf = (rel: string) => rel.split(path.sep)[0]!.replace(/\.ts$/, '');

/** Folders each stage must not import from. */
const FORBIDDEN: Record<string, string[]> = {
  ingest: ['correlate', 'finalize', 'enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  correlate: ['enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  finalize: ['enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  trace: ['correlate', 'finalize', 'enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  config: ['correlate', 'finalize', 'enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  util: ['ingest', 'correlate', 'finalize', 'enrich', 'fanout', 'outputs', 'runtime', 'dynamo', 'status', 'plugin', 'trace', 'config'],
  enrich: ['outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  fanout: ['outputs', 'runtime', 'dynamo', 'status', 'plugin'],
  outputs: ['runtime', 'dynamo', 'status', 'plugin'],
  dynamo: ['outputs', 'runtime', 'status', 'plugin'],
};

describe('import direction', () => {
  const all = files(SRC);

  it('scans the whole source tree', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(importsOf(path.join(SRC, 'runtime/runtime.ts'))).toContain(path.join('correlate', 'engine.ts'));
  });

  it('no stage imports from a stage it must not know', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = stageOf(path.relative(SRC, file));
      const banned = FORBIDDEN[from];
      if (!banned) continue;
      for (const target of importsOf(file)) {
        const to = stageOf(target);
        if (to !== from && banned.includes(to)) violations.push(`${path.relative(ROOT, file)} -> src/${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('nothing outside the composition root imports the runtime', () => {
    // replay builds a runtime offline from a journal: a second composition root.
    const allowed = new Set(['runtime', 'plugin', 'status', 'replay']);
    const violations = all
      .filter((f) => !allowed.has(stageOf(path.relative(SRC, f))))
      .flatMap((f) => importsOf(f).filter((t) => stageOf(t) === 'runtime').map((t) => `${path.relative(ROOT, f)} -> src/${t}`));
    expect(violations).toEqual([]);
  });
});

describe('scripts and bench', () => {
  // They ship nothing but run beside the product: what they share with the tests (the OpenClaw
  // harness, the receivers, the scripted LLM) lives in scripts/lib/, which test/support/ re-exports.
  const TEST = path.join(ROOT, 'test');
  const scanned = [...files(path.join(ROOT, 'scripts')), ...files(path.join(ROOT, 'bench'))];

  it('scans both folders', () => {
    expect(scanned.some((f) => f.includes(`${path.sep}bench${path.sep}`))).toBe(true);
    expect(scanned.some((f) => f.endsWith(path.join('scripts', 'demo.ts')))).toBe(true);
  });

  it('scripts and bench do not import test/', () => {
    const violations = scanned.flatMap((f) =>
      importsOf(f)
        .map((rel) => path.resolve(SRC, rel))
        .filter((target) => !path.relative(TEST, target).startsWith('..'))
        .map((target) => `${path.relative(ROOT, f)} -> ${path.relative(ROOT, target)}`),
    );
    expect(violations).toEqual([]);
  });
});
