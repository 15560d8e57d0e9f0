// Convention names come from the conventions packages, never typed by hand: no string
// literal (or template text) in src/outputs starts with a gen_ai or OpenInference prefix,
// except in the local names modules (`names.ts`, `*-names.ts`), which hold what the package
// versions in use lack. Comments are not code: the scan reads the TypeScript syntax tree.

import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url).pathname;
const OUTPUTS = join(ROOT, 'src/outputs');
const PREFIXES = ['gen_ai.', 'llm.', 'input.', 'output.', 'openinference.'];

const isNamesModule = (file: string) => /(^|-)names\.ts$/.test(basename(file));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.isFile() && p.endsWith('.ts') ? [p] : [];
  });
}

/** Every literal text in `source` starting with a convention prefix, with its line. */
function conventionLiterals(source: string, fileName = 'x.ts'): { line: number; text: string }[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      const text = node.text;
      if (PREFIXES.some((p) => text.startsWith(p))) found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('convention names in src/outputs', () => {
  it('the scan finds literals in strings, templates and object keys, and skips comments', () => {
    const src = [
      "// 'gen_ai.comment' in a comment",
      "const a = 'gen_ai.system';",
      'const b = { "llm.model_name": 1 };',
      'const c = `input.value`;',
      'const d = `${x}.output.value`; const e = `openinference.${y}`;',
      "const f = 'nemo_relay.outcome'; const g = 'openclaw.run.id';",
    ].join('\n');
    expect(conventionLiterals(src)).toEqual([
      { line: 2, text: 'gen_ai.system' },
      { line: 3, text: 'llm.model_name' },
      { line: 4, text: 'input.value' },
      { line: 5, text: 'openinference.' },
    ]);
  });

  it('no hand-typed gen_ai / OpenInference name outside the local names modules', () => {
    const files = tsFiles(OUTPUTS);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files
      .filter((f) => !isNamesModule(f))
      .flatMap((f) => conventionLiterals(readFileSync(f, 'utf8'), f).map((l) => `${relative(ROOT, f)}:${l.line} ${JSON.stringify(l.text)}`));
    expect(offenders).toEqual([]);
  });

  it('the names modules are the only exemption, and each says which package version lacks its names', () => {
    const modules = tsFiles(OUTPUTS).filter(isNamesModule).map((f) => relative(ROOT, f));
    expect(modules.sort()).toEqual(['src/outputs/logs/diagnostic-names.ts', 'src/outputs/otlp/gen-ai/names.ts']);
    expect(readFileSync(join(ROOT, 'src/outputs/otlp/gen-ai/names.ts'), 'utf8')).toMatch(/not in @opentelemetry\/semantic-conventions 1\.45\.0/);
  });
});
