// End to end with the real OpenClaw 2026.9.6: a gateway on loopback with this plugin loaded
// from the checkout, a scripted LLM, a real OTLP receiver. Turns with a tool call, a failing
// tool and a subagent; then the ATIF files, the spans and nemoRelay.status are checked
// against what the scripted LLM really answered.

import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAtif } from '../../src/outputs/atif/validate.ts';
import { OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, waitFor } from '../support/openclaw-harness.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { defaultUsage, startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

const statusSchema = JSON.parse(readFileSync(new URL('../../schemas/status.schema.json', import.meta.url), 'utf8'));
const validateStatus = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(statusSchema);

type Doc = Record<string, any>;
const allTrajectories = (doc: Doc): Doc[] => [doc, ...((doc.subagent_trajectories ?? []) as Doc[]).flatMap(allTrajectories)];
const agentSteps = (doc: Doc): Doc[] => allTrajectories(doc).flatMap((t) => t.steps.filter((s: Doc) => s.source === 'agent'));

let llm: ScriptedLlm;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;
let atifDir: string;
const replies: Record<string, { sessionId?: string; text: string }> = {};

function readDocs(): Map<string, Doc> {
  const docs = new Map<string, Doc>();
  for (const f of readdirSync(atifDir)) if (f.endsWith('.json')) docs.set(f, JSON.parse(readFileSync(join(atifDir, f), 'utf8')));
  return docs;
}
const docForKey = (key: string) => [...readDocs().values()].find((d) => d.extra?.openclaw?.session_key === key);

beforeAll(async () => {
  llm = await startScriptedLlm();
  receiver = await startOtlpReceiver();
  atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-e2e-atif-'));
  harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        config: relayConfig({
          atifDir,
          opentelemetry: { endpoint: receiver.url, serviceName: 'e2e-genai', scheduledDelayMillis: 200 },
          openinference: { endpoint: receiver.url, serviceName: 'e2e-oi', projectName: 'e2e-project', scheduledDelayMillis: 200 },
          adaptive: true,
          keepToolContent: true,
        }),
      },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
    ],
  });
  await harness.startGateway();
  // A plugin that fails to load does not stop the gateway: fail fast with OpenClaw's reason.
  const probe = await harness.gatewayCall('nemoRelay.status');
  expect(probe.exitCode, `nemo-relay not loaded: ${probe.stderr.slice(-1500)}\n${harness.logTail(3000)}`).toBe(0);
  for (const [key, message] of [
    ['e2e-tool', 'please call:probe_echo now'],
    ['e2e-fail', 'please call:fail_tool now'],
    ['e2e-spawn', 'please call:sessions_spawn now'],
    // one assistant message asking for two tools: the adaptive learner shows what OpenClaw did
    ['e2e-parallel', 'please call:two_tools now'],
  ] as const) {
    const turn = await harness.agentTurn({ sessionKey: key, message });
    expect(turn.exitCode, `${key}: ${turn.stderr.slice(-2000)}`).toBe(0);
    replies[key] = { sessionId: turn.json?.sessionId as string | undefined, text: JSON.stringify(turn.json) };
  }
  // The subagent runs after the spawning turn returns; wait for its result to be announced.
  await waitFor(() => (docForKey('agent:main:e2e-spawn')?.subagent_trajectories?.[0]?.steps?.length ?? 0) > 0, {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: 'the subagent trajectory in the e2e-spawn ATIF file',
    context: () => harness.logTail(),
  });
}, 420_000);

afterAll(async () => {
  await harness?.cleanup();
  await receiver?.close();
  await llm?.close();
});

describe('real gateway with nemo-relay', () => {
  let status: Doc;

  it('answers nemoRelay.status with measured health, valid against its schema', async () => {
    const res = await harness.gatewayCall<Doc>('nemoRelay.status');
    expect(res.exitCode, res.stderr).toBe(0);
    status = res.json!;
    // The gateway's loop delay and our longest lane unit, on the record of every run.
    console.log(`host: ${JSON.stringify(status.host)}`);
    expect(validateStatus(status), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(status.state, JSON.stringify(status.reasons)).toBe('ready');
    expect(status.openclaw.version).toMatch(/^2026\./);
    expect(status.hooks.conversationAccess).toEqual({ configured: true, observed: 'granted' });
    expect(status.hooks.blocked).toEqual([]);
    expect(status.counters.llmSpans).toBe(llm.chatRequests().length);
    expect(status.counters.toolSpans).toBeGreaterThanOrEqual(5);
    // Two probe_echo calls from one assistant message: OpenClaw 2026.9.6 runs them overlapping
    // (both before_tool_call, then both after_tool_call), and the learner says so.
    const echo = status.extensions.adaptive.agents.main.tools.probe_echo;
    expect(echo.calls).toBeGreaterThanOrEqual(3);
    expect(echo.parallel_calls).toBe(2);
    expect(status.counters.malformedTotal).toBe(0);
    expect(status.counters.internalErrors).toBe(0);
    const names = status.outputs.map((o: Doc) => o.name).sort();
    expect(names).toEqual(['adaptive', 'atif', 'openinference', 'opentelemetry']);
    for (const o of status.outputs) expect(o.state, JSON.stringify(o)).toBe('ok');
    expect(status.outputs.find((o: Doc) => o.name === 'atif').exported).toBeGreaterThan(0);
  });

  it('writes, after SIGTERM, one valid ATIF file per top-level session with every model call', async () => {
    const stop = await harness.stopGateway('SIGTERM');
    expect(stop.signal ?? stop.exitCode).not.toBe('SIGKILL');
    const docs = readDocs();
    expect(docs.size).toBe(4);
    for (const [name, doc] of docs) {
      const result = validateAtif(doc);
      expect(result.valid, `${name}: ${JSON.stringify(result.errors)}`).toBe(true);
      expect(statSync(join(atifDir, name)).mode & 0o777).toBe(0o600);
      expect(doc.extra.openclaw.end_reason).toBeTruthy();
    }
    // One agent step per provider call, with exactly the usage the scripted LLM reported.
    const steps = [...docs.values()].flatMap(agentSteps);
    const requests = llm.chatRequests();
    expect(steps).toHaveLength(requests.length);
    const fromLlm = requests.map((r) => defaultUsage(r.callIndex!)).map((u) => `${u.prompt}/${u.completion}/${u.cached ?? 0}`).sort();
    const inAtif = steps.map((s) => `${s.metrics.prompt_tokens}/${s.metrics.completion_tokens}/${s.metrics.cached_tokens}`).sort();
    expect(inAtif).toEqual(fromLlm);
    for (const s of steps) expect(s.llm_call_count).toBe(1);
  });

  it('uses the OpenClaw session id, keeps tool output, shows the failure and embeds the subagent', () => {
    const tool = docForKey('agent:main:e2e-tool')!;
    expect(tool.session_id).toMatch(/^[0-9a-f-]{36}$/);
    if (replies['e2e-tool']!.sessionId) expect(tool.session_id).toBe(replies['e2e-tool']!.sessionId);
    const echo = tool.steps.find((s: Doc) => s.tool_calls?.[0]?.function_name === 'probe_echo');
    expect(echo.observation.results[0].content).toBe('echo: hello');
    expect(echo.tool_calls[0].arguments).toEqual({ text: 'hello' });
    expect(tool.agent.tool_definitions.some((t: Doc) => t.function.name === 'probe_echo')).toBe(true);
    expect(tool.extra.adaptive?.tool_parallelism).toBeDefined();

    const fail = docForKey('agent:main:e2e-fail')!;
    const failed = fail.steps.find((s: Doc) => s.tool_calls?.[0]?.function_name === 'fail_tool');
    expect(JSON.stringify(failed.observation.results[0])).toMatch(/fail/);
    expect(fail.final_metrics.extra.failed_tool_calls).toBe(1);

    const spawn = docForKey('agent:main:e2e-spawn')!;
    expect(spawn.subagent_trajectories).toHaveLength(1);
    const child = spawn.subagent_trajectories[0];
    const call = spawn.steps.find((s: Doc) => s.tool_calls?.[0]?.function_name === 'sessions_spawn');
    expect(call.observation.results[0].subagent_trajectory_ref[0].trajectory_id).toBe(child.trajectory_id);
    expect(child.extra.openclaw.session_key).toMatch(/^agent:main:subagent:/);
    expect(agentSteps(child).length).toBeGreaterThan(0);
  });

  it('exports the same calls as spans, in a session > run > LLM > tool tree, to both outputs', async () => {
    const docs = [...readDocs().values()];
    const steps = docs.flatMap(agentSteps);
    const isLlm = (s: ReceivedSpan) => s.attributes['openclaw.model_call.id'] !== undefined && s.attributes['openclaw.tool_call.id'] === undefined;
    await waitFor(() => receiver.spans().filter(isLlm).length >= steps.length * 2, {
      timeoutMs: 30_000,
      what: `LLM spans of both outputs (have ${receiver.spans().filter(isLlm).length} of ${steps.length * 2}, ${receiver.spans().length} spans in all)`,
    });
    const spans = receiver.spans();
    for (const [service, projectName] of [['e2e-genai', undefined], ['e2e-oi', 'e2e-project']] as const) {
      const mine = spans.filter((s) => s.resource['service.name'] === service);
      const byId = new Map(mine.map((s) => [s.spanId, s]));
      const llmSpans = mine.filter(isLlm);
      expect(llmSpans, service).toHaveLength(steps.length);
      for (const step of steps) {
        const span = llmSpans.find((s) => s.attributes['openclaw.model_call.id'] === step.metrics.extra.call_id);
        expect(span, `${service} ${step.metrics.extra.call_id}`).toBeDefined();
        const prompt = span!.attributes['gen_ai.usage.input_tokens'] ?? span!.attributes['llm.token_count.prompt'];
        expect(Number(prompt)).toBe(step.metrics.prompt_tokens);
        // LLM span > run span; the run lives in OpenClaw's trace (correlation.traceMode per_run):
        // under the run that spawned it (subagent, announce), else linked to its session span.
        const run = byId.get(span!.parentSpanId!)!;
        expect(run, 'run parent').toBeDefined();
        const up = run.parentSpanId !== undefined ? byId.get(run.parentSpanId) : byId.get(run.links[0]?.spanId ?? '');
        expect(up, 'spawning run, or the session span linked from the run').toBeDefined();
        // real times: the span lies within its run
        expect(span!.startMs).toBeGreaterThanOrEqual(run.startMs - 1);
        expect(span!.endMs).toBeLessThanOrEqual(run.endMs + 1);
      }
      const tools = mine.filter((s) => s.attributes['openclaw.tool_call.id'] !== undefined);
      for (const t of tools) expect(byId.get(t.parentSpanId!)?.attributes['openclaw.model_call.id'], 'tool under its LLM call').toBeDefined();
      const failed = tools.find((t) => String(t.name).includes('fail_tool'))!;
      expect(failed.status.code).toBe(2);
      expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
      if (projectName) {
        expect(mine.every((s: ReceivedSpan) => typeof s.attributes['session.id'] === 'string')).toBe(true);
        expect(mine[0]!.resource['openinference.project.name']).toBe(projectName);
        expect(receiver.requests.some((r) => r.headers['x-project-name'] === projectName)).toBe(true);
        expect(new Set(llmSpans.map((s) => s.attributes['openinference.span.kind']))).toEqual(new Set(['LLM']));
      }
    }
  });
});
