// Payload size caps: a 10 MB prompt, tool result and response go through the registered
// handlers of a recorded OpenClaw turn; ATIF and the spans received by a real OTLP receiver
// carry each truncated to capture.maxFieldBytes with a visible marker, nothing bigger leaves
// the process, status counts the truncations, and the hook path stays fast.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { fire } from '../../support/fake-host.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.ts';
import type { RecordedHook } from '../../support/replay.ts';
import { retag } from '../../support/streams.ts';
import { agentSteps, fixture, inspectAtifDir, pluginConfig, scratch, setupPlugin, status, stopGateway, type Doc, removeScratch } from './helpers.ts';

afterAll(removeScratch);

const MAX = 4096;
const MiB = 1024 * 1024;
// Three sizes, so each marker says which field it cut.
const PROMPT = 'P'.repeat(10 * MiB + 1);
const RESULT = 'R'.repeat(10 * MiB + 2);
const RESPONSE = 'A'.repeat(10 * MiB + 3);
const marker = (bytes: number) => `…[truncated by nemo-relay: ${bytes} bytes, limit ${MAX}]`;
/** A run of filler longer than the cap anywhere means something went out uncut. */
function uncut(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    run = c === 80 || c === 82 || c === 65 ? run + 1 : 0; // P R A
    if (run > MAX) return true;
  }
  return false;
}

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
afterEach(() => resetSharedRuntime());

/** The recorded tool-call turn, with a 10 MB prompt, tool result and final answer. */
function hugeTurn(): RecordedHook[] {
  const records = retag(fixture('gateway-tool-call.jsonl'), 'caps');
  const firstRun = (records.find((r) => r.hook === 'llm_input')!.event as Doc).runId as string;
  let assistantWrites = 0;
  for (const r of records) {
    const e = r.event as Doc;
    if (r.hook === 'llm_input' && e.runId === firstRun) e.prompt = PROMPT;
    if (r.hook === 'before_message_write' && e.message.role === 'user' && assistantWrites === 0) e.message.content = PROMPT;
    if (r.hook === 'after_tool_call') e.result = { content: [{ type: 'text', text: RESULT }], details: {} };
    if ((r.hook === 'before_message_write' || r.hook === 'tool_result_persist') && e.message?.role === 'toolResult') e.message.content = [{ type: 'text', text: RESULT }];
    if (r.hook === 'before_message_write' && e.message.role === 'assistant' && ++assistantWrites === 2) e.message.content = [{ type: 'text', text: RESPONSE }];
  }
  return records;
}

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

describe('payload size caps', () => {
  it('10 MB prompt, tool result and response: truncated with a marker in ATIF and spans, counted, hook path fast', async () => {
    const out = join(scratch('nr-caps-'), 'out');
    const p = setupPlugin(
      pluginConfig(out, {
        capture: { maxFieldBytes: MAX, includePrompts: true, includeResponses: true },
        otlp: { endpoint: receiver.url, service_name: 'caps-genai' },
        openinference: { endpoint: receiver.url, service_name: 'caps-oi' },
      }),
    );
    const slowest: { hook: string; ms: number }[] = [];
    for (const r of hugeTurn()) {
      if (r.hook === 'gateway_stop') continue;
      const t = performance.now();
      const results = fire(r.registrationMode === 'full' ? p.full : p.discovery, r.hook, r.event, r.ctx);
      slowest.push({ hook: r.hook, ms: performance.now() - t });
      expect(results.every((x) => x === undefined)).toBe(true);
    }
    await stopGateway(p);
    slowest.sort((a, b) => b.ms - a.ms);
    console.log(`[caps] slowest handlers with 10 MB fields: ${slowest.slice(0, 3).map((s) => `${s.hook} ${s.ms.toFixed(1)} ms`).join(', ')}`);
    // Parsing keeps references and the capture policy runs once per run: no handler is O(10 MB) slow.
    expect(slowest[0]!.ms).toBeLessThan(250);

    // ---- ATIF ----
    const report = inspectAtifDir(out);
    expect(report.problems).toEqual([]);
    expect(report.files).toHaveLength(1);
    const file = join(out, report.files[0]!);
    expect(statSync(file).size).toBeLessThan(200_000);
    const text = readFileSync(file, 'utf8');
    expect(uncut(text)).toBe(false);
    const doc = [...report.docs.values()][0]!;
    const user = doc.steps.find((s: Doc) => s.source === 'user')!;
    // The message is the text the model saw (OpenClaw's Runtime block moved into it), the
    // prompt as OpenClaw's hooks showed it stays in extra: both cut with a marker.
    expect(user.message).toMatch(/…\[truncated by nemo-relay: \d+ bytes, limit \d+\]$/);
    expect(user.extra.openclaw_prompt.endsWith(marker(PROMPT.length))).toBe(true);
    expect(Buffer.byteLength(user.message)).toBeLessThanOrEqual(MAX);
    const toolStep = agentSteps(doc).find((s) => s.tool_calls?.length)!;
    const result = toolStep.observation.results[0].content as string;
    expect(result.startsWith('RRRR')).toBe(true);
    expect(result.endsWith(marker(RESULT.length))).toBe(true);
    expect(Buffer.byteLength(result)).toBeLessThanOrEqual(MAX);
    const answer = agentSteps(doc)[1]!.message as string;
    expect(answer.endsWith(marker(RESPONSE.length))).toBe(true);
    expect(Buffer.byteLength(answer)).toBeLessThanOrEqual(MAX);

    // ---- spans (both projections), as decoded by a real receiver ----
    const spans: ReceivedSpan[] = receiver.spans();
    expect(spans.length).toBeGreaterThan(0);
    for (const service of ['caps-genai', 'caps-oi']) {
      const mine = spans.filter((s) => s.resource['service.name'] === service);
      expect(mine.length, service).toBeGreaterThan(0);
      const values = mine.flatMap((s) => strings([s.attributes, s.events.map((e) => e.attributes)]));
      expect(values.some(uncut), `${service}: a field went out uncut`).toBe(false);
      for (const bytes of [RESULT.length, RESPONSE.length]) {
        expect(values.some((v) => v.includes(marker(bytes))), `${service}: marker for ${bytes}`).toBe(true);
      }
      // The prompt as the model saw it: OpenClaw's Runtime block moved into it, so a bit longer.
      const promptCut = values.flatMap((v) => [...v.matchAll(/truncated by nemo-relay: (\d+) bytes/g)].map((m) => Number(m[1])));
      expect(promptCut.some((n) => n > PROMPT.length && n < PROMPT.length + 4096), `${service}: prompt marker`).toBe(true);
    }
    for (const req of receiver.requests) expect(req.wireBytes).toBeLessThan(1_000_000);

    // ---- counted ----
    const s = await status(p);
    expect(s.counters.fieldsTruncated).toBeGreaterThanOrEqual(3);
    expect(s.counters.internalErrors).toBe(0);
  }, 60_000);

  it('the size cap holds for tool arguments and errors too, and a cut never splits a UTF-8 character', async () => {
    const out = join(scratch('nr-caps-'), 'out');
    const p = setupPlugin(pluginConfig(out, { capture: { maxFieldBytes: 300 } }));
    const ctx = { sessionKey: 'agent:main:utf8', agentId: 'main' };
    const wide = '€'.repeat(10_000); // 3 bytes each
    fire(p.discovery, 'llm_input', { runId: 'u1', prompt: wide, systemPrompt: 's' }, ctx);
    fire(p.discovery, 'model_call_started', { runId: 'u1', callId: 'u1:model:1' }, ctx);
    fire(p.discovery, 'model_call_ended', { runId: 'u1', callId: 'u1:model:1', outcome: 'completed', durationMs: 1 }, ctx);
    fire(p.discovery, 'before_message_write', { message: { role: 'assistant', content: [{ type: 'toolCall', id: 'c1', name: 'probe_echo', arguments: { text: wide } }], stopReason: 'toolUse', timestamp: 1 } }, ctx);
    fire(p.discovery, 'before_tool_call', { runId: 'u1', toolName: 'probe_echo', toolCallId: 'c1', params: { text: wide } }, ctx);
    fire(p.discovery, 'after_tool_call', { runId: 'u1', toolName: 'probe_echo', toolCallId: 'c1', params: { text: wide }, error: wide, durationMs: 1 }, ctx);
    fire(p.discovery, 'agent_end', { runId: 'u1', success: false, error: wide }, ctx);
    fire(p.discovery, 'llm_output', { runId: 'u1' }, ctx);
    await stopGateway(p);
    const report = inspectAtifDir(out);
    expect(report.problems).toEqual([]);
    const all = strings([...report.docs.values()]);
    expect(all.some((v) => v.includes('€€€€') && Buffer.byteLength(v) > 300)).toBe(false);
    expect(all.some((v) => v.includes('\uFFFD'))).toBe(false);
    expect(all.filter((v) => v.includes(`[truncated by nemo-relay: 30000 bytes, limit 300]`)).length).toBeGreaterThanOrEqual(3);
  });
});
