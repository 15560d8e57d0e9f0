// `openclaw agent --local`: an embedded turn in a short-lived process with no gateway and no
// session hooks. The process exits right after the turn, so this proves the exit path: the
// session is closed and the ATIF file and spans are written before the process is gone.
// Also run without hooks.allowConversationAccess, as OpenClaw withholds conversation hooks.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAtif } from '../../src/outputs/atif/validate.ts';
import { OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

type Doc = Record<string, any>;
let llm: ScriptedLlm;
let receiver: OtlpReceiver;
const harnesses: OpenClawHarness[] = [];

beforeAll(async () => {
  llm = await startScriptedLlm();
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  for (const h of harnesses) await h.cleanup();
  await receiver?.close();
  await llm?.close();
});

async function localTurn(allowConversationAccess: boolean, sessionKey: string) {
  const atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-local-'));
  const harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        allowConversationAccess,
        // The batch delay (5 s) outlives the process: only the exit flush can deliver the spans.
        config: relayConfig({
          atifDir,
          openinference: { endpoint: receiver.url, serviceName: `local-${sessionKey}`, scheduledDelayMillis: 5000 },
          keepToolContent: true,
        }),
      },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
    ],
  });
  harnesses.push(harness);
  const before = llm.chatRequests().length;
  const turn = await harness.agentTurn({ sessionKey, message: 'please call:probe_echo now', local: true });
  expect(turn.exitCode, turn.stderr.slice(-2000)).toBe(0);
  const calls = llm.chatRequests().length - before;
  const files = readdirSync(atifDir).filter((f) => f.endsWith('.json'));
  expect(files, `no ATIF file in ${atifDir}\n${turn.stderr.slice(-1500)}`).toHaveLength(1);
  const doc = JSON.parse(readFileSync(join(atifDir, files[0]!), 'utf8')) as Doc;
  return { doc, calls, service: `local-${sessionKey}` };
}

describe('embedded --local turns', () => {
  it('write a complete, valid ATIF file and flush spans before the process exits', { timeout: 240_000 }, async () => {
    const { doc, calls, service } = await localTurn(true, 'local-on');
    const v = validateAtif(doc);
    expect(v.valid, JSON.stringify(v.errors)).toBe(true);
    expect(doc.extra.openclaw.end_reason).toBe('process_exit');
    const agent = doc.steps.filter((s: Doc) => s.source === 'agent');
    expect(agent).toHaveLength(calls);
    expect(agent[0].observation.results[0].content).toBe('echo: hello');
    expect(doc.steps[0].source).toBe('system');
    // The batch delay (5 s) is longer than the process lives: only the exit flush can send them.
    const spans = receiver.spans().filter((s) => s.resource['service.name'] === service);
    const llmSpans = spans.filter((s) => s.attributes['openinference.span.kind'] === 'LLM');
    expect(llmSpans).toHaveLength(calls);
  });

  it('still traces every model call and tool without conversation access, and says what is missing', { timeout: 240_000 }, async () => {
    const { doc, calls } = await localTurn(false, 'local-off');
    const v = validateAtif(doc);
    expect(v.valid, JSON.stringify(v.errors)).toBe(true);
    const agent = doc.steps.filter((s: Doc) => s.source === 'agent');
    expect(agent).toHaveLength(calls);
    for (const s of agent) expect(s.metrics.prompt_tokens).toBeGreaterThan(0);
    expect(agent.some((s: Doc) => s.tool_calls?.[0]?.function_name === 'probe_echo')).toBe(true);
    // the prompt comes from the user message OpenClaw wrote, not from the withheld llm_input
    expect(doc.steps.find((s: Doc) => s.source === 'user')?.message).toContain('please call:probe_echo');
  });
});
