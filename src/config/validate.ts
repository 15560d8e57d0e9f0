// JSON-schema validation of the raw config (ajv, draft 2020-12) turned into problems a person
// can act on: the JSON path, what was expected, what was found. The manifest schema
// (config.schema.json) leaves `plugins` open so OpenClaw never refuses a published config;
// here `plugins` is checked against plugins.schema.json, and load.ts decides per problem
// (policy, which output it belongs to) what it switches off.

import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { ConfigIssue } from './types.ts';

const readSchema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

export const CONFIG_SCHEMA = readSchema('config.schema.json');
export const PLUGINS_SCHEMA = readSchema('plugins.schema.json');

/** unknown_field / unsupported_value follow plugins.policy; invalid is a value that cannot be used. */
export type ProblemKind = 'unknown_field' | 'unsupported_value' | 'invalid';

export interface SchemaProblem {
  kind: ProblemKind;
  /** Severity `error`; load.ts applies the policy. */
  issue: ConfigIssue;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addSchema(PLUGINS_SCHEMA);
const applied = {
  ...CONFIG_SCHEMA,
  $defs: { pluginHost: { $ref: PLUGINS_SCHEMA.$id } },
};
const validate = ajv.compile(applied);

export function schemaProblems(value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    // `if` only says which branch failed; the branch's own errors carry the detail.
    if (e.keyword === 'if') continue;
    const problem = toProblem(e, value);
    const key = `${problem.issue.path}|${problem.issue.expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(e: ErrorObject, root: unknown): SchemaProblem {
  const at = valueAt(root, e.instancePath);
  const secret = /header|token|secret|password|api[_-]?key|authorization|credential/i.test(e.instancePath);
  const found = secret ? '[redacted]' : describe(at);
  const p = e.params as Record<string, unknown>;
  const where = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      return {
        kind: e.instancePath.startsWith('/plugins') ? 'unknown_field' : 'invalid',
        issue: {
          path: `${e.instancePath}/${escapePointer(field)}`,
          expected: 'no such field',
          found: `unknown field ${JSON.stringify(field)}`,
          severity: 'error',
          message: `${where}: unknown field ${JSON.stringify(field)} is not used by this plugin`,
        },
      };
    }
    case 'required':
      return invalid({
        path: `${e.instancePath}/${String(p.missingProperty)}`,
        expected: 'a value (required)',
        found: 'missing',
        severity: 'error',
        message: `${where}: ${String(p.missingProperty)} is required`,
      });
    case 'type':
      return invalid(issue(e, `${String(p.type).replace(',', ' or ')}`, found));
    case 'enum':
      return { kind: 'unsupported_value', issue: issue(e, `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, found) };
    case 'const':
      return invalid(issue(e, JSON.stringify(p.allowedValue), found));
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return invalid(issue(e, `a number ${String(p.comparison)} ${String(p.limit)}`, found));
    case 'minLength':
      return invalid(issue(e, `a string of at least ${String(p.limit)} characters`, found));
    default:
      return invalid(issue(e, e.message ?? e.keyword, found));
  }
}

const invalid = (i: ConfigIssue): SchemaProblem => ({ kind: 'invalid', issue: i });

function issue(e: ErrorObject, expected: string, found: string): ConfigIssue {
  return { path: e.instancePath || '/', expected, found, severity: 'error', message: `${e.instancePath || '/'}: expected ${expected}, found ${found}` };
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
  return `the ${typeof v} ${String(v)}`;
}
