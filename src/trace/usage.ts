// Usage normalization and the reconciliation of per-call usage against llm_output's run total.

import type { UsageIn } from '../ingest/events.ts';
import type { LlmCall, Usage } from './model.ts';

export function usageFrom(u: UsageIn | undefined): Usage | undefined {
  if (!u) return undefined;
  const input = u.input ?? 0;
  const output = u.output ?? 0;
  const cacheRead = u.cacheRead ?? 0;
  const cacheWrite = u.cacheWrite ?? 0;
  const usage: Usage = { input, output, cacheRead, cacheWrite, total: u.total ?? input + output + cacheRead + cacheWrite };
  if (u.cost && u.cost.total !== undefined) {
    usage.cost = {
      total: u.cost.total,
      ...(u.cost.input !== undefined ? { input: u.cost.input } : {}),
      ...(u.cost.output !== undefined ? { output: u.cost.output } : {}),
      ...(u.cost.cacheRead !== undefined ? { cacheRead: u.cost.cacheRead } : {}),
      ...(u.cost.cacheWrite !== undefined ? { cacheWrite: u.cost.cacheWrite } : {}),
    };
  }
  return usage;
}

export function sumUsage(calls: readonly LlmCall[]): Usage {
  const sum: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  let cost: number | undefined;
  for (const c of calls) {
    const u = c.usage;
    if (!u) continue;
    sum.input += u.input;
    sum.output += u.output;
    sum.cacheRead += u.cacheRead;
    sum.cacheWrite += u.cacheWrite;
    sum.total += u.total;
    if (u.cost) cost = (cost ?? 0) + u.cost.total;
  }
  if (cost !== undefined) sum.cost = { total: cost };
  return sum;
}

/** Token fields that differ between two usages (cost is compared with a small tolerance). */
export function usageDiff(a: Usage, b: Usage): string[] {
  const diff: string[] = [];
  for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) if (a[k] !== b[k]) diff.push(`${k} ${a[k]} != ${b[k]}`);
  if (a.cost && b.cost && Math.abs(a.cost.total - b.cost.total) > 1e-9) diff.push(`cost ${a.cost.total} != ${b.cost.total}`);
  return diff;
}
