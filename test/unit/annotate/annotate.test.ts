// nemoRelay.annotate through the plugin as OpenClaw registers it: a recorded gateway session
// goes through the runtime into the real ATIF sink and a real OTLP receiver; annotations
// land on the open session's file, survive its final write, patch the file after
// session_end, and go out as annotation spans under the run (or session) span.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNemoRelay, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import type { Runtime } from '../../../src/runtime/runtime.ts';
import { ANNOTATE_METHOD } from '../../../src/annotate/gateway-method.ts';
import { validateAtif } from '../../../src/outputs/atif/index.ts';
import { callMethod, fakeInstance, fire, type FakeInstance } from '../../support/fake-host.ts';
import { readRecording } from '../../support/replay.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.ts';
import { relayConfig } from '../../support/plugin-config.ts';

const records = readRecording(new URL('../../../fixtures/gateway-tool-call.jsonl', import.meta.url).pathname);

let receiver: OtlpReceiver;
let dir: string;
let full: FakeInstance;
let discovery: FakeInstance;
let runtime: Runtime;

const fileDoc = (): any => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
};
const fileText = (): string => readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8');
const deliver = (hook: (h: string) => boolean) => {
  for (const r of records) if (hook(r.hook)) fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx);
};
const annotations = (): ReceivedSpan[] => receiver.spans().filter((s) => s.name === 'nemo_relay.annotation');
const runIds = (doc: any): string[] => doc.steps.flatMap((s: any) => (typeof s.extra?.run_id === 'string' ? [s.extra.run_id] : []));
const stepsOf = (doc: any, runId: string): any[] => {
  let inRun = false;
  return doc.steps.filter((s: any) => {
    if (typeof s.extra?.run_id === 'string') inRun = s.extra.run_id === runId;
    return inRun;
  });
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'nr-annotate-'));
  const config = relayConfig({ atifDir: dir, opentelemetry: { endpoint: receiver.url, serviceName: 'annotate-test', scheduledDelayMillis: 10 } });
  full = fakeInstance('full', config);
  discovery = fakeInstance('discovery', config);
  runtime = registerNemoRelay(full.api as unknown as PluginApi);
  registerNemoRelay(discovery.api as unknown as PluginApi);
  // The session's runs, without its end: it stays open.
  deliver((h) => h !== 'gateway_stop' && h !== 'session_end');
  await runtime.flush();
});

afterAll(async () => {
  await runtime.stop('test');
  resetSharedRuntime();
  await receiver.close();
});

describe('nemoRelay.annotate', () => {
  it('is registered with operator.write, the least privilege for a write', () => {
    expect(full.methods.get(ANNOTATE_METHOD)?.scope).toBe('operator.write');
  });

  it('rejects bad params naming the field, and changes nothing', async () => {
    const before = fileText();
    const sessionKey = fileDoc().extra.openclaw.session_key;
    const cases: [unknown, string][] = [
      [{ reward: 1 }, 'sessionId'],
      [{ sessionKey, reward: 'high' }, 'reward'],
      [{ sessionKey, rewards: { accuracy: 'x' } }, 'rewards.accuracy'],
      [{ sessionKey, labels: 'a' }, 'labels'],
      [{ sessionKey, metadata: [1] }, 'metadata'],
      [{ sessionKey, reward: 1, bogus: true }, 'bogus'],
      [{ sessionKey: 'agent:main:nope', reward: 1 }, 'sessionKey'],
      [{ sessionKey, runId: 'no-such-run', reward: 1 }, 'runId'],
      [{ sessionKey }, 'reward'],
    ];
    for (const [params, field] of cases) {
      const { ok, payload } = await callMethod(full, ANNOTATE_METHOD, params);
      expect(ok, JSON.stringify(params)).toBe(false);
      expect((payload as { errors: string[] }).errors.join('\n')).toMatch(new RegExp(`^${field.replace('.', '\\.')}:`, 'm'));
    }
    await runtime.flush();
    expect(fileText()).toBe(before);
    expect(annotations()).toHaveLength(0);
  });

  it('annotates an open session and one of its runs: root extra, that run steps, spans under session and run', async () => {
    const doc0 = fileDoc();
    const [run1, run2] = runIds(doc0);
    expect(run1 && run2).toBeTruthy();
    const sessionKey = doc0.extra.openclaw.session_key;
    const sessionId = doc0.session_id;
    const a = await callMethod(full, ANNOTATE_METHOD, { sessionKey, episodeId: 'ep-1', reward: 1, rewards: { accuracy: 0.5 }, labels: ['x'] });
    expect(a.ok).toBe(true);
    const b = await callMethod(full, ANNOTATE_METHOD, { sessionId, runId: run1, reward: 0.25, outcome: 'partial' });
    expect(b.ok).toBe(true);
    await runtime.flush();

    const doc = fileDoc();
    expect(doc.extra.annotations).toEqual({ episode_id: 'ep-1', reward: 1, rewards: { accuracy: 0.5 }, labels: ['x'] });
    for (const s of stepsOf(doc, run1!)) expect(s.extra.annotations).toEqual({ reward: 0.25, outcome: 'partial' });
    for (const s of stepsOf(doc, run2!)) expect(s.extra?.annotations).toBeUndefined();
    expect(validateAtif(doc).valid).toBe(true);

    const spans = receiver.spans();
    const sessionSpan = spans.find((s) => s.attributes['openclaw.session.id'] === sessionId && !('openclaw.run.id' in s.attributes) && s.name !== 'nemo_relay.annotation');
    const runSpan = spans.find((s) => s.attributes['openclaw.run.id'] === run1 && s.name !== 'nemo_relay.annotation' && !('openclaw.model_call.id' in s.attributes) && !('openclaw.tool_call.id' in s.attributes));
    expect(runSpan).toBeDefined();
    const ann = annotations();
    expect(ann).toHaveLength(2);
    const onRun = ann.find((s) => s.attributes['openclaw.run.id'] === run1)!;
    expect(onRun.parentSpanId).toBe(runSpan!.spanId);
    expect(onRun.traceId).toBe(runSpan!.traceId);
    expect(onRun.attributes['nemo_relay.reward']).toBe(0.25);
    expect(onRun.attributes['nemo_relay.outcome']).toBe('partial');
    expect(onRun.events.map((e) => e.name)).toEqual(['nemo_relay.annotation']);
    const onSession = ann.find((s) => s !== onRun)!;
    expect(onSession.attributes['nemo_relay.episode.id']).toBe('ep-1');
    expect(onSession.attributes['nemo_relay.rewards.accuracy']).toBe(0.5);
    // The session span goes out at session end; until then the annotation names the session's span id.
    if (sessionSpan) {
      expect(onSession.traceId).toBe(sessionSpan.traceId);
      expect(onSession.parentSpanId).toBe(sessionSpan.spanId);
    }
  });

  it('keeps the annotations in the final write, and patches the finalized file for a late one', async () => {
    deliver((h) => h === 'session_end');
    await runtime.flush();
    const final = fileDoc();
    expect(final.extra.openclaw.ended_at).toBeDefined();
    expect(final.extra.annotations.episode_id).toBe('ep-1');
    const [run1, run2] = runIds(final);
    expect(stepsOf(final, run1!)[0].extra.annotations.reward).toBe(0.25);

    const sessionSpan = receiver.spans().find((s) => s.attributes['openclaw.session.id'] === final.session_id && s.parentSpanId === undefined && !('openclaw.run.id' in s.attributes));
    expect(sessionSpan).toBeDefined();
    expect(annotations().find((s) => !('openclaw.run.id' in s.attributes))!.parentSpanId).toBe(sessionSpan!.spanId);

    const late = await callMethod(full, ANNOTATE_METHOD, { sessionId: final.session_id, reward: 2, outcome: 'success', rewards: { style: 1 } });
    expect(late.ok).toBe(true);
    const lateRun = await callMethod(full, ANNOTATE_METHOD, { sessionKey: final.extra.openclaw.session_key, runId: run2, labels: ['late'] });
    expect(lateRun.ok).toBe(true);
    await runtime.flush();

    const patched = fileDoc();
    expect(patched.extra.annotations).toEqual({ episode_id: 'ep-1', reward: 2, rewards: { accuracy: 0.5, style: 1 }, labels: ['x'], outcome: 'success' });
    for (const s of stepsOf(patched, run2!)) expect(s.extra.annotations).toEqual({ labels: ['late'] });
    expect(stepsOf(patched, run1!)[0].extra.annotations.reward).toBe(0.25);
    expect(patched.steps).toHaveLength(final.steps.length);
    expect(validateAtif(patched).valid).toBe(true);

    const ann = annotations();
    expect(ann).toHaveLength(4);
    const lateSpan = ann.find((s) => s.attributes['nemo_relay.reward'] === 2)!;
    expect(lateSpan.parentSpanId).toBe(sessionSpan!.spanId);
    expect(lateSpan.attributes['nemo_relay.outcome']).toBe('success');
    const atif = runtime.sinkHealth().find((h) => h.name === 'atif')!;
    expect(atif.details?.annotation_patches).toBe(2);
  });
});
