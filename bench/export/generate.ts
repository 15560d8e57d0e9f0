// Synthetic ATIF trajectories for the export bench: the shapes the plugin writes (system and
// user steps, agent steps with metrics, tool calls with observation results, reasoning,
// embedded subagents, extra.annotations with rewards), of realistic and varied size: a few kB
// to tens of kB each. Deterministic (seeded PRNG): the same count gives the same files.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AtifStep, AtifToolDefinition, AtifTrajectory } from '../../src/outputs/atif/types.ts';
import { formatAtifErrors, validateAtif } from '../../src/outputs/atif/validate.ts';

/** mulberry32: small, fast, good enough to vary sizes and words. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the file agent tool result error value request answer model token session episode reward read write list search patch test build run check config path line function return string number object array'.split(' ');

function text(rnd: () => number, chars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = WORDS[Math.floor(rnd() * WORDS.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ');
}

const int = (rnd: () => number, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

function tools(rnd: () => number): AtifToolDefinition[] {
  return Array.from({ length: int(rnd, 2, 10) }, (_, i) => ({
    type: 'function' as const,
    function: {
      name: `tool_${i}`,
      description: text(rnd, int(rnd, 40, 200)),
      parameters: { type: 'object', properties: { path: { type: 'string', description: text(rnd, 60) }, limit: { type: 'integer' } }, required: ['path'] },
    },
  }));
}

function trajectory(rnd: () => number, id: string, start: number, depth: number): AtifTrajectory {
  const defs = tools(rnd);
  const steps: AtifStep[] = [{ step_id: 1, source: 'system', message: text(rnd, int(rnd, 300, 2000)), timestamp: new Date(start).toISOString() }];
  const subs: AtifTrajectory[] = [];
  let callNo = 0;
  for (let turn = 0, turns = int(rnd, 1, 4); turn < turns; turn++) {
    steps.push({ step_id: steps.length + 1, source: 'user', message: text(rnd, int(rnd, 50, 1500)) });
    for (let k = 0, calls = int(rnd, 0, 3); k <= calls; k++) {
      const last = k === calls;
      const step: AtifStep = {
        step_id: steps.length + 1,
        source: 'agent',
        message: last ? text(rnd, int(rnd, 50, 1500)) : '',
        model_name: 'bench-model',
        metrics: { prompt_tokens: int(rnd, 500, 20000), completion_tokens: int(rnd, 10, 800), cached_tokens: int(rnd, 0, 400), cost_usd: rnd() / 100 },
        llm_call_count: 1,
      };
      if (rnd() < 0.3) step.reasoning_content = text(rnd, int(rnd, 50, 600));
      if (!last) {
        const n = int(rnd, 1, 2);
        step.tool_calls = Array.from({ length: n }, () => ({ tool_call_id: `call_${++callNo}`, function_name: defs[int(rnd, 0, defs.length - 1)]!.function.name, arguments: { path: `/src/${text(rnd, 12).replace(/ /g, '/')}.ts`, limit: int(rnd, 1, 500) } }));
        step.observation = { results: step.tool_calls.map((c) => ({ source_call_id: c.tool_call_id, content: text(rnd, int(rnd, 100, 2500)) })) };
        if (depth === 0 && subs.length === 0 && rnd() < 0.1) {
          const subId = `${id}-sub`;
          subs.push(trajectory(rnd, subId, start + 1000, 1));
          step.observation.results[0]!.subagent_trajectory_ref = [{ trajectory_id: subId }];
        }
      }
      steps.push(step);
    }
  }
  const doc: AtifTrajectory = { schema_version: 'ATIF-v1.7', session_id: id, trajectory_id: id, agent: { name: 'openclaw', version: '2026.9.6', model_name: 'bench-model', tool_definitions: defs }, steps };
  if (subs.length > 0) doc.subagent_trajectories = subs;
  if (depth === 0) {
    const outcomes = ['success', 'failure', 'partial'];
    doc.extra = {
      openclaw: { session_key: `agent:main:${id}`, session_id: id, agent_id: 'main', started_at: new Date(start).toISOString() },
      annotations: { episode_id: `ep-${id}`, reward: Math.round(rnd() * 100) / 100, outcome: outcomes[int(rnd, 0, 2)], labels: ['bench'] },
    };
  }
  return doc;
}

export interface Generated {
  files: number;
  bytes: number;
  minBytes: number;
  maxBytes: number;
}

/** Writes `count` files into `dir` (created); the first few are checked with the validator. */
export async function generateTrajectories(dir: string, count: number, seed = 1): Promise<Generated> {
  await mkdir(dir, { recursive: true });
  const rnd = prng(seed);
  const g: Generated = { files: 0, bytes: 0, minBytes: Infinity, maxBytes: 0 };
  const t0 = Date.UTC(2026, 10, 21);
  for (let i = 0; i < count; i++) {
    const id = `bench-${String(i).padStart(6, '0')}`;
    const doc = trajectory(rnd, id, t0 + i * 60_000, 0);
    if (i < 20) {
      const res = validateAtif(doc);
      if (!res.valid) throw new Error(`generated ${id} is not valid ATIF:\n${formatAtifErrors(res.errors)}`);
    }
    const body = JSON.stringify(doc); // compact, as the ATIF sink writes
    await writeFile(path.join(dir, `${id}.json`), body);
    const n = Buffer.byteLength(body);
    g.files++;
    g.bytes += n;
    g.minBytes = Math.min(g.minBytes, n);
    g.maxBytes = Math.max(g.maxBytes, n);
  }
  return g;
}
