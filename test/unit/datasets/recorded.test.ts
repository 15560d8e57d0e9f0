// A recorded OpenClaw run (fixtures/gateway-tool-call.jsonl) through the real engine and ATIF
// sink onto disk, exported to openai-chat-jsonl, against what OpenClaw really sent the LLM in
// that run (fixtures/llm-requests-tool-call.jsonl: the scripted LLM's recorded requests).
// Equal: the tools list, the conversation's shape, tool calls, tool results, every answer, and
// the system and user text (ATIF records the text the model saw: the provider view).
// Not equal: the tool-call ids (ATIF keeps OpenClaw's `call_1_1`, the transport sends
// `call11`). That difference is asserted too, so a change in either side shows up here.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExport } from '../../../src/datasets/export.ts';
import { parseFilters } from '../../../src/datasets/filters.ts';
import { formatNamed } from '../../../src/datasets/formats/index.ts';
import { createAtifSink } from '../../../src/outputs/atif/sink.ts';
import { readRecording, replay } from '../../support/replay.ts';

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'datasets-recorded-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Msg {
  role: string;
  content: unknown;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

it('gateway-tool-call: the exported sample against the requests the LLM received', async () => {
  const { runs, sessions } = replay(readRecording(path.join(FIXTURES, 'gateway-tool-call.jsonl')), { capture: { stripToolArgs: false, stripToolResults: false } });
  const dir = path.join(tmp, 'atif');
  const sink = createAtifSink({ enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json' }, { openclawVersion: '2026.9.6', pluginVersion: '0.1.0' });
  for (const { session, run } of runs) sink.runEnded(session, run);
  for (const s of sessions) sink.sessionEnded(s);
  await sink.shutdown();
  const out = path.join(tmp, 'data.jsonl');
  const summary = await runExport({ inDir: dir, outFile: out, format: formatNamed('openai-chat-jsonl'), filters: parseFilters({}), includeSubagents: false, withMeta: false });
  expect(summary).toMatchObject({ files: 1, invalid: 0, samples: 1 });
  const sample = JSON.parse((await readFile(out, 'utf8')).trim()) as { messages: Msg[]; tools: unknown[] };

  const requests = readFileSync(path.join(FIXTURES, 'llm-requests-tool-call.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { body: { messages: Msg[]; tools: unknown[] }; reply: { kind: string; text?: string } });
  const last = requests[requests.length - 1]!;
  // What the LLM saw last, plus its answer, without OpenClaw's internal-context messages.
  const internal = (m: Msg) => Array.isArray(m.content) && JSON.stringify(m.content).includes('BEGIN_OPENCLAW_INTERNAL_CONTEXT');
  const sent = [...last.body.messages.filter((m) => !internal(m)), { role: 'assistant', content: last.reply.text }];

  const byName = (xs: unknown[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  expect(byName(sample.tools)).toEqual(byName(last.body.tools));
  expect(sample.messages.map((m) => m.role)).toEqual(sent.map((m) => m.role));
  const calls = (ms: Msg[]) => ms.flatMap((m) => (m.tool_calls ?? []).map((c) => ({ type: c.type, name: c.function.name, arguments: c.function.arguments })));
  expect(calls(sample.messages)).toEqual(calls(sent));
  const bodies = (ms: Msg[], role: string) => ms.filter((m) => m.role === role).map((m) => m.content);
  expect(bodies(sample.messages, 'tool')).toEqual(bodies(sent, 'tool'));
  expect(bodies(sample.messages, 'assistant')).toEqual(bodies(sent, 'assistant'));

  // The recorded differences (see the header).
  expect(sample.messages[2]!.tool_calls![0]!.id).toBe('call_1_1');
  expect(sent[2]!.tool_calls![0]!.id).toBe('call11');
  const prompt = sample.messages[1]!.content as string;
  expect(prompt.startsWith('[Sat 2026-11-21 02:41 UTC] please call:probe_echo now\n\nRuntime: agent=main')).toBe(true);
  expect(prompt).toBe(sent[1]!.content);
  expect(sample.messages[0]!.content).toBe(sent[0]!.content);
});
