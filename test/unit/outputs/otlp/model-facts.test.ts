// The run total the projections show: llm_output's report, else the one usage sum of the
// trace model, cost included (OpenInference run spans used to lose the cost here).

import { describe, expect, it } from 'vitest';
import { runUsage } from '../../../../src/outputs/otlp/model-facts.ts';
import type { LlmCall, Run, Usage } from '../../../../src/trace/model.ts';

const usage = (input: number, output: number, cost?: number): Usage => ({
  input,
  output,
  cacheRead: 0,
  cacheWrite: 0,
  total: input + output,
  ...(cost !== undefined ? { cost: { total: cost } } : {}),
});
const call = (index: number, u?: Usage): LlmCall => ({
  kind: 'llm',
  spanId: `${index}`.padStart(16, '0'),
  callId: `r:model:${index}`,
  index,
  runId: 'r',
  input: [],
  status: 'ok',
  tools: [],
  marks: [],
  ...(u ? { usage: u } : {}),
});
const run = (calls: LlmCall[], reportedUsage?: Usage): Run => ({
  kind: 'run',
  spanId: 'a'.repeat(16),
  runId: 'r',
  status: 'ok',
  llmCalls: calls,
  orphanTools: [],
  sawLlmInput: true,
  marks: [],
  ...(reportedUsage ? { reportedUsage } : {}),
});

describe('runUsage', () => {
  it('sums the calls, cost included, when llm_output gave no total', () => {
    const total = runUsage(run([call(1, usage(10, 2, 0.25)), call(2), call(3, usage(5, 1, 0.5))]));
    expect(total).toMatchObject({ input: 15, output: 3, total: 18 });
    expect(total?.cost?.total).toBeCloseTo(0.75);
  });

  it('prefers llm_output\'s run total', () => {
    const reported = usage(100, 20, 3);
    expect(runUsage(run([call(1, usage(10, 2, 0.25))], reported))).toBe(reported);
  });

  it('is undefined when no call has usage', () => {
    expect(runUsage(run([call(1)]))).toBeUndefined();
  });
});
