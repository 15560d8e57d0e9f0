// Header sources of one endpoint: `headers`, `header_env`, `header_file`, `headers_from_env`.
// Later sources win per header name. Values are secrets: an issue names the header, the
// variable or the file, never a value.

import { readFileSync } from 'node:fs';
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import type { Env } from './otel-env.ts';
import type { ConfigIssue } from './types.ts';
import { escapePointer } from './validate.ts';

type Obj = Record<string, unknown>;

export interface HeaderResult {
  headers: Record<string, string>;
  /** Set when a configured source cannot be used at all (unreadable header_file). */
  fatal?: string;
}

/**
 * `fallback` (the OTEL_* headers) applies only when the entry has no `headers` of its own,
 * as before; header_env / header_file / headers_from_env add to either.
 */
export function resolveHeaders(o: Obj, path: string, env: Env, issues: ConfigIssue[], resolvePath: (p: string) => string, fallback: Record<string, string> = {}): HeaderResult {
  const headers: Record<string, string> = isObj(o.headers) ? stringEntries(o.headers) : { ...fallback };
  let fatal: string | undefined;
  if (typeof o.header_file === 'string' && o.header_file.length > 0) {
    const file = resolvePath(o.header_file);
    try {
      Object.assign(headers, parseHeaderFile(readFileSync(file, 'utf8')));
    } catch (err) {
      fatal = `header_file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      issues.push({ path: `${path}/header_file`, expected: 'a readable file of `Name: value` lines', found: (err as NodeJS.ErrnoException).code ?? 'unreadable', severity: 'error', message: `${fatal}; this output is off` });
    }
  }
  if (typeof o.header_env === 'string' && o.header_env.length > 0) {
    const raw = env[o.header_env];
    if (raw === undefined || raw.trim() === '') missing(issues, `${path}/header_env`, o.header_env, 'the headers it names are not sent');
    else Object.assign(headers, parseKeyPairsIntoRecord(raw));
  }
  for (const field of ['header_env', 'headers_from_env'] as const) {
    const map = o[field];
    if (!isObj(map)) continue;
    for (const [header, variable] of Object.entries(map)) {
      if (typeof variable !== 'string') continue;
      const v = env[variable];
      if (v === undefined || v === '') missing(issues, `${path}/${field}/${escapePointer(header)}`, variable, `header ${header} is not sent`);
      else headers[header] = v;
    }
  }
  // A line break in a value would be refused by every request: say so once, here.
  const broken = Object.keys(headers).find((h) => /[\r\n]/.test(headers[h]!));
  if (broken && !fatal) {
    fatal = `header ${broken} has a line break in its value`;
    issues.push({ path, expected: 'header values without line breaks', found: `a line break in ${broken}`, severity: 'error', message: `${fatal}; this output is off` });
  }
  return fatal ? { headers, fatal } : { headers };
}

/**
 * `Name: value` per line; blank lines and `#` comments skipped; a line without a colon is
 * ignored. A file starting with `{` is a JSON object of name -> string (throws when invalid).
 */
export function parseHeaderFile(text: string): Record<string, string> {
  if (text.trimStart().startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    return isObj(parsed) ? stringEntries(parsed) : {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const i = t.indexOf(':');
    if (i <= 0) continue;
    out[t.slice(0, i).trim()] = t.slice(i + 1).trim();
  }
  return out;
}

function missing(issues: ConfigIssue[], path: string, variable: string, consequence: string): void {
  issues.push({ path, expected: `environment variable ${variable} to be set`, found: 'unset', severity: 'warning', message: `${consequence}: ${variable} is not set` });
}

function stringEntries(o: Obj): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
