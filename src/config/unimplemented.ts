// Published fields this plugin accepts but does not act on (yet). Each one present in a config
// is a warning naming it, in the log and in nemoRelay.status; nothing is switched off.
// Remove an entry in the same change that makes the field work.

import { escapePointer } from './validate.ts';
import { type Obj, isObj } from './read.ts';
import type { ConfigIssue } from './types.ts';

const TRACE_FIELDS = [
  'completed_span_context_ttl_millis', // spans are built after the fact from finished runs: there is no open span context to keep
];

/** Relative to an observability component's config; `*` = any array index. */
export const NOT_IMPLEMENTED: readonly string[] = [
  'enable_full_payloads',
  'atif/agent_version',
  'atif/model_name',
  'atif/tool_definitions',
  'atif/extra',
  ...TRACE_FIELDS.flatMap((f) => [`opentelemetry/${f}`, `openinference/${f}`, `opentelemetry/endpoints/*/${f}`]),
];

export function notImplementedIssues(cfg: Obj, path: string, patterns: readonly string[] = NOT_IMPLEMENTED): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const pattern of patterns) {
    for (const at of matches(cfg, pattern.split('/'), path)) {
      issues.push({ path: at, expected: 'a field this plugin implements', found: 'a published field', severity: 'warning', message: `${at}: accepted but not implemented yet; ignored` });
    }
  }
  return issues;
}

function matches(node: unknown, parts: string[], path: string): string[] {
  if (parts.length === 0) return node === undefined ? [] : [path];
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === '*') return Array.isArray(node) ? node.flatMap((n, i) => matches(n, rest, `${path}/${i}`)) : [];
  if (!isObj(node) || !(head in node)) return [];
  return matches(node[head], rest, `${path}/${escapePointer(head)}`);
}
