// End to end with the real OpenClaw 2026.9.6 on the embedded `dynamo` provider: one gateway on
// loopback with this plugin loaded from the checkout, DYN_AGENT_TRACE=1, a loopback mock Dynamo
// frontend that records every request, a real ZeroMQ PULL socket bound here (where Dynamo binds
// its tool-event endpoint) and a real OTLP receiver. One turn on `dynamo/<id>` calls probe_echo,
// then sessions_spawn; the child calls probe_echo too, then the result is announced to the lead.
// Checked: the agent identity on every request, the child's open / sticky / close sequence, the
// tool records on the wire, the same ids in the ATIF file and the spans, nemoRelay.status. Last,
// a `--local` run against a frontend that is down: a clear error, no crash.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@msgpack/msgpack';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { validateAtif } from '../../src/outputs/atif/validate.ts';
import { freePort, OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, waitFor, type AgentReply } from '../support/openclaw-harness.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startMockDynamo, type MockDynamo, type MockDynamoRequest, type MockReply } from '../support/mock-dynamo.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

const MODEL_ID = 'dyn-e2e-model';
const SESSION_KEY = 'e2e-dynamo';
const LEAD_KEY = `agent:main:${SESSION_KEY}`;
const CHILD_TASK = 'child task: echo once, then reply with one short sentence';
const TOPIC = 'agent-tool-events';

const toolEventSchema = JSON.parse(readFileSync(new URL('../../schemas/dynamo-tool-event.schema.json', import.meta.url), 'utf8'));
const validateToolEvent = new Ajv2020({ allErrors: true, strict: true }).compile(toolEventSchema);

type Doc = Record<string, any>;
type Frames = Buffer[];
interface ToolEvent {
  topic: string;
  sequence: bigint;
  record: Doc;
}

// ---- the scripted frontend -------------------------------------------------------------

const INTERNAL_CONTEXT_MARK = '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>';

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

function bodyOf(r: MockDynamoRequest): Doc {
  return (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Doc;
}

function conversation(r: MockDynamoRequest): Doc[] {
  const messages = (Array.isArray(bodyOf(r).messages) ? bodyOf(r).messages : []) as Doc[];
  // OpenClaw appends its runtime context as a user message; it is not something a user said.
  return messages.filter((m) => !(m.role === 'user' && textOf(m.content).trimStart().startsWith(INTERNAL_CONTEXT_MARK)));
}

const isChild = (r: MockDynamoRequest) => conversation(r).some((m) => textOf(m.content).includes('[Subagent Context]'));
const isAnnounce = (r: MockDynamoRequest) => {
  const lastUser = [...conversation(r)].reverse().find((m) => m.role === 'user');
  return lastUser !== undefined && textOf(lastUser.content).includes('A background task completed');
};
const isClose = (r: MockDynamoRequest) => bodyOf(r).nvext?.session_control?.action === 'close';

/** The tool whose result ends the conversation, if it ends with tool results. */
function answeredTool(r: MockDynamoRequest): string | undefined {
  const conv = conversation(r);
  if (conv.at(-1)?.role !== 'tool') return undefined;
  const assistant = [...conv].reverse().find((m) => m.role === 'assistant');
  return assistant?.tool_calls?.[0]?.function?.name;
}

function reply(r: MockDynamoRequest): MockReply {
  if (isClose(r)) return { kind: 'text', text: '.' };
  const tool = answeredTool(r);
  if (isChild(r)) {
    if (tool === 'probe_echo') return { kind: 'text', text: 'Child finished.' };
    return { kind: 'tool_calls', calls: [{ id: 'call_child_echo', name: 'probe_echo', arguments: { text: 'from-child' } }] };
  }
  if (tool === 'probe_echo') return { kind: 'tool_calls', calls: [{ id: 'call_lead_spawn', name: 'sessions_spawn', arguments: { task: CHILD_TASK } }] };
  if (tool === 'sessions_spawn') return { kind: 'text', text: 'Subagent started.' };
  if (isAnnounce(r)) return { kind: 'text', text: 'The subagent reported back.' };
  if (tool !== undefined) return { kind: 'text', text: `Done with ${tool}.` };
  return { kind: 'tool_calls', calls: [{ id: 'call_lead_echo', name: 'probe_echo', arguments: { text: 'from-lead' } }] };
}

// ---- fixture ---------------------------------------------------------------------------

let mock: MockDynamo;
let receiver: OtlpReceiver;
let harness: OpenClawHarness;
let pull: zmq.Pull;
let atifDir: string;
let turnRunId: string;
const received: Frames[] = [];
let collecting: Promise<void>;

function readDocs(): Doc[] {
  return readdirSync(atifDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(atifDir, f), 'utf8')) as Doc);
}

function decodeEvents(): ToolEvent[] {
  return received.map((frames) => {
    expect(frames, 'a tool event is 3 frames').toHaveLength(3);
    const [topic, sequence, payload] = frames as [Buffer, Buffer, Buffer];
    expect(sequence, '8-byte sequence frame').toHaveLength(8);
    return { topic: topic.toString('utf8'), sequence: sequence.readBigUInt64BE(), record: decode(payload) as Doc };
  });
}

const chats = () => mock.chatRequests();
const modelRequests = () => chats().filter((r) => !isClose(r));
const closes = () => chats().filter(isClose);
const childRequests = () => modelRequests().filter(isChild);
const leadRequests = () => modelRequests().filter((r) => !isChild(r));
const ctxOf = (r: MockDynamoRequest): Doc => bodyOf(r).nvext?.agent_context ?? {};

beforeAll(async () => {
  mock = await startMockDynamo({ models: [MODEL_ID], reply: (r) => reply(r) });
  receiver = await startOtlpReceiver();
  atifDir = mkdtempSync(join(tmpdir(), 'nemo-relay-e2e-dynamo-atif-'));
  // Bound here, as Dynamo binds it; the plugin connects its PUSH socket at the first tool event.
  pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  collecting = (async () => {
    try {
      for await (const frames of pull) received.push(frames as Frames);
    } catch {
      // closed at the end
    }
  })();

  harness = await OpenClawHarness.create({
    // Required by the harness for its `scripted` provider; the primary model is dynamo/*.
    llmBaseUrl: mock.baseUrl,
    plugins: [
      {
        id: 'nemo-relay',
        path: PLUGIN_DIR,
        config: relayConfig({
          atifDir,
          opentelemetry: { endpoint: receiver.url, serviceName: 'e2e-dynamo', scheduledDelayMillis: 200 },
          keepToolContent: true,
        }),
      },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
    ],
    extraConfig: { agents: { defaults: { model: { primary: `dynamo/${MODEL_ID}` } } } },
    extraEnv: {
      DYNAMO_BASE_URL: mock.baseUrl,
      DYN_AGENT_TRACE: '1',
      DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: pull.lastEndpoint ?? '',
    },
  });
  await harness.startGateway();
  // A plugin that fails to load does not stop the gateway: fail fast with OpenClaw's reason.
  const probe = await harness.gatewayCall('nemoRelay.status');
  expect(probe.exitCode, `nemo-relay not loaded: ${probe.stderr.slice(-1500)}\n${harness.logTail(3000)}`).toBe(0);

  const turn = await harness.agentTurn({ sessionKey: SESSION_KEY, message: 'Echo something, then start a subagent.' });
  expect(turn.exitCode, `${turn.stderr.slice(-2000)}\n${harness.logTail(3000)}`).toBe(0);
  turnRunId = String((turn.json as AgentReply | undefined)?.runId ?? '');
  expect(turnRunId, turn.stdout.slice(-2000)).not.toBe('');

  // The child runs after the spawning turn returns; its close and the announce follow it.
  const context = () => `mock saw: ${JSON.stringify(chats().map((r) => ({ id: r.headers['x-request-id'], child: isChild(r), close: isClose(r), announce: isAnnounce(r) })))}\n${harness.logTail()}`;
  await waitFor(() => closes().length > 0 && leadRequests().some(isAnnounce), {
    timeoutMs: 120_000,
    intervalMs: 500,
    what: "the child's close and the announce turn",
    context,
  });
}, 420_000);

afterAll(async () => {
  await harness?.cleanup();
  pull?.close();
  await collecting;
  await receiver?.close();
  await mock?.close();
  if (atifDir) rmSync(atifDir, { recursive: true, force: true });
});

describe('the dynamo provider in a real gateway', () => {
  let status: Doc;
  let leadCtx: Doc;

  it('sends every lead request with agent context and identity headers, never pinned', () => {
    const lead = leadRequests();
    // turn: probe_echo, sessions_spawn, text; then the announce run
    expect(lead.length, JSON.stringify(lead.map((r) => r.headers['x-request-id']))).toBeGreaterThanOrEqual(4);
    leadCtx = ctxOf(lead[0]!);
    expect(leadCtx.session_type_id).toBe('openclaw_coding_agent');
    expect(leadCtx.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(leadCtx.trajectory_id).toBe(leadCtx.session_id);
    for (const r of lead) {
      const body = bodyOf(r);
      expect(body.model).toBe(MODEL_ID);
      expect(body.stream).toBe(true);
      expect(ctxOf(r)).toEqual({ session_type_id: 'openclaw_coding_agent', session_id: leadCtx.session_id, trajectory_id: leadCtx.trajectory_id });
      expect(body.nvext.session_control, 'the lead is never pinned').toBeUndefined();
      expect(r.headers['x-request-id']).toMatch(/^.+:model:\d+$/);
      expect(r.headers['x-dynamo-session-id']).toBe(leadCtx.trajectory_id);
      expect(r.headers['x-dynamo-parent-session-id']).toBeUndefined();
      expect(r.headers.authorization).toBe('Bearer dynamo-local');
    }
    // The turn's calls are `<runId>:model:1..n`, in order; the announce runs under its own runId.
    const turnIds = lead.map((r) => r.headers['x-request-id']!).filter((id) => id.startsWith(`${turnRunId}:model:`));
    expect(turnIds).toEqual(['1', '2', '3'].map((n) => `${turnRunId}:model:${n}`));
    const announce = lead.filter(isAnnounce);
    expect(announce.length).toBeGreaterThanOrEqual(1);
    for (const r of announce) expect(r.headers['x-request-id']).toMatch(/^announce:.+:model:\d+$/);
    expect(new Set(chats().map((r) => r.headers['x-request-id'])).size, 'x-request-id is unique per request').toBe(chats().length);
  });

  it("pins the subagent: open on its first request, {session_id} after, exactly one close", () => {
    const child = childRequests();
    expect(child.length, 'child: probe_echo, then text').toBeGreaterThanOrEqual(2);
    const childCtx = ctxOf(child[0]!);
    expect(childCtx.trajectory_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(childCtx.trajectory_id).not.toBe(leadCtx.trajectory_id);
    for (const r of child) {
      expect(ctxOf(r)).toEqual({
        session_type_id: 'openclaw_coding_agent',
        session_id: leadCtx.session_id,
        trajectory_id: childCtx.trajectory_id,
        parent_trajectory_id: leadCtx.trajectory_id,
      });
      expect(r.headers['x-dynamo-session-id']).toBe(childCtx.trajectory_id);
      expect(r.headers['x-dynamo-parent-session-id']).toBe(leadCtx.trajectory_id);
      expect(r.headers['x-request-id']).toMatch(/^.+:model:\d+$/);
    }
    expect(bodyOf(child[0]!).nvext.session_control).toEqual({ session_id: childCtx.trajectory_id, action: 'open', timeout: 300 });
    for (const r of child.slice(1)) expect(bodyOf(r).nvext.session_control).toEqual({ session_id: childCtx.trajectory_id });

    const close = closes();
    expect(close, 'exactly one close').toHaveLength(1);
    const c = close[0]!;
    expect(c.seq, 'the close follows every child request').toBeGreaterThan(Math.max(...child.map((r) => r.seq)));
    expect(bodyOf(c).stream).toBe(false);
    expect(bodyOf(c).nvext.session_control).toEqual({ session_id: childCtx.trajectory_id, action: 'close' });
    expect(bodyOf(c).nvext.agent_context).toMatchObject({ trajectory_id: childCtx.trajectory_id, parent_trajectory_id: leadCtx.trajectory_id });
    expect(c.headers['x-dynamo-session-id']).toBe(childCtx.trajectory_id);
    // Nothing else ever carries session_control.
    const pinned = chats().filter((r) => bodyOf(r).nvext?.session_control !== undefined);
    expect(pinned).toHaveLength(child.length + 1);
  });

  it('relays tool_start / tool_end records over ZeroMQ, schema-valid, in sequence, paired by tool_call_id', async () => {
    // lead probe_echo + sessions_spawn, child probe_echo: a start and an end each
    await waitFor(() => received.length >= 6, { timeoutMs: 10_000, what: `6 tool events (have ${received.length})` });
    const events = decodeEvents();
    expect(events).toHaveLength(6);
    for (const e of events) {
      expect(e.topic).toBe(TOPIC);
      expect(validateToolEvent(e.record), `${JSON.stringify(validateToolEvent.errors)} in ${JSON.stringify(e.record)}`).toBe(true);
    }
    const seqs = events.map((e) => e.sequence);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!, `sequence ${seqs.join(',')}`).toBe(true);

    const byId = new Map<string, ToolEvent[]>();
    for (const e of events) byId.set(e.record.tool.tool_call_id, [...(byId.get(e.record.tool.tool_call_id) ?? []), e]);
    expect(byId.size).toBe(3);
    for (const [id, pair] of byId) {
      expect(pair.map((e) => e.record.event_type), id).toEqual(['tool_start', 'tool_end']);
      const [start, end] = pair as [ToolEvent, ToolEvent];
      expect(start.sequence < end.sequence).toBe(true);
      expect(end.record.tool.started_at_unix_ms).toBe(start.record.tool.started_at_unix_ms);
      expect(end.record.tool.ended_at_unix_ms).toBeGreaterThanOrEqual(end.record.tool.started_at_unix_ms);
      expect(end.record.tool.status).toBe('succeeded');
      expect(end.record.agent_context).toEqual(start.record.agent_context);
    }

    const childCtx = ctxOf(childRequests()[0]!);
    const tools = [...byId.values()].map(([start]) => ({ tool: start!.record.tool.tool_class, ctx: start!.record.agent_context }));
    const leadOnly = { session_type_id: 'openclaw_coding_agent', session_id: leadCtx.session_id, trajectory_id: leadCtx.trajectory_id };
    expect(tools).toEqual(
      expect.arrayContaining([
        { tool: 'probe_echo', ctx: leadOnly },
        { tool: 'sessions_spawn', ctx: leadOnly },
        {
          tool: 'probe_echo',
          ctx: { ...leadOnly, trajectory_id: childCtx.trajectory_id, parent_trajectory_id: leadCtx.trajectory_id },
        },
      ]),
    );
  });

  it('reports the provider, request counters, open sessions and relay counts in nemoRelay.status', async () => {
    const res = await harness.gatewayCall<Doc>('nemoRelay.status');
    expect(res.exitCode, res.stderr).toBe(0);
    status = res.json!;
    const dynamo = status.extensions?.dynamo;
    expect(dynamo, JSON.stringify(status.extensions)).toBeDefined();
    expect(dynamo.provider).toMatchObject({ id: 'dynamo', baseUrl: mock.baseUrl, baseUrlSource: 'DYNAMO_BASE_URL', apiKeySource: 'default' });
    expect(dynamo.provider.catalog.state).toBe('ok');
    expect(dynamo.provider.catalog.models).toContain(MODEL_ID);
    expect(dynamo.agentTrace.enabled).toBe(true);
    expect(dynamo.agentTrace.requests).toEqual({
      annotated: modelRequests().length,
      unattributed: 0,
      notExtensible: 0,
      callerSessionControl: 0,
      headersOnly: 0,
    });
    expect(dynamo.sessionControl).toMatchObject({ enabled: true, open: 0, sessions: [], opened: 1, closed: 1, closeFailures: 0, openRejected: 0 });
    expect(dynamo.toolRelay).toMatchObject({ enabled: true, state: 'running', topic: TOPIC, endpoint: pull.lastEndpoint, sent: received.length, queueDepth: 0 });
    expect(dynamo.toolRelay.dropped.total).toBe(0);
    expect(dynamo.envProblems).toEqual([]);
  }, 120_000);

  it('writes an ATIF file and spans that carry the ids Dynamo saw', async () => {
    const stop = await harness.stopGateway('SIGTERM');
    expect(stop.signal ?? stop.exitCode).not.toBe('SIGKILL');
    // gateway_stop closed nothing more: the child was closed once, at its end.
    expect(closes()).toHaveLength(1);

    const docs = readDocs().filter((d) => d.extra?.openclaw?.session_key === LEAD_KEY);
    expect(docs, readdirSync(atifDir).join(', ')).toHaveLength(1);
    const doc = docs[0]!;
    const result = validateAtif(doc);
    expect(result.valid, JSON.stringify(result.errors)).toBe(true);
    expect(doc.session_id).toBe(leadCtx.session_id);
    expect(doc.trajectory_id).toBe(leadCtx.trajectory_id);
    const childCtx = ctxOf(childRequests()[0]!);
    expect(doc.subagent_trajectories).toHaveLength(1);
    const childDoc = doc.subagent_trajectories[0];
    expect(childDoc.trajectory_id).toBe(childCtx.trajectory_id);
    expect(childDoc.session_id).toBe(childCtx.trajectory_id);

    const requestIds = new Set(modelRequests().map((r) => r.headers['x-request-id']));
    const agentSteps = (d: Doc): Doc[] => d.steps.filter((s: Doc) => s.source === 'agent');
    const stepIds = [...agentSteps(doc), ...agentSteps(childDoc)].map((s) => s.metrics?.extra?.call_id);
    expect(stepIds.length).toBe(requestIds.size);
    expect(new Set(stepIds)).toEqual(requestIds);
    for (const s of agentSteps(childDoc)) expect(ctxOf(modelRequests().find((r) => r.headers['x-request-id'] === s.metrics.extra.call_id)!).trajectory_id).toBe(childCtx.trajectory_id);

    await waitFor(() => receiver.spans().filter((s) => s.attributes['openclaw.model_call.id'] !== undefined && !s.attributes['openclaw.tool_call.id']).length >= requestIds.size, {
      timeoutMs: 30_000,
      what: 'one LLM span per request',
    });
    const spans = receiver.spans().filter((s) => s.resource['service.name'] === 'e2e-dynamo');
    const llmSpans = spans.filter((s) => s.attributes['openclaw.model_call.id'] !== undefined && !s.attributes['openclaw.tool_call.id']);
    expect(new Set(llmSpans.map((s) => String(s.attributes['openclaw.model_call.id'])))).toEqual(requestIds);
    expect(llmSpans).toHaveLength(requestIds.size);
    for (const span of llmSpans) {
      const request = modelRequests().find((r) => r.headers['x-request-id'] === span.attributes['openclaw.model_call.id'])!;
      expect(span.attributes['openclaw.session.id'], String(span.attributes['openclaw.model_call.id'])).toBe(ctxOf(request).trajectory_id);
    }
    const toolSpanIds = new Set(spans.filter((s) => s.attributes['openclaw.tool_call.id'] !== undefined).map((s) => String(s.attributes['openclaw.tool_call.id'])));
    const relayedIds = new Set(decodeEvents().map((e) => String(e.record.tool.tool_call_id)));
    expect(toolSpanIds).toEqual(relayedIds);
  }, 150_000);

  it('fails clearly, without crashing, when the frontend is down (--local)', async () => {
    // OpenClaw retries a refused connection 8 times over ~90 s by default; one attempt shows the
    // same error. Global agent settings live in the agent dir (retry.provider.maxRetries).
    const agentDir = join(harness.stateDir, 'agents', 'main', 'agent');
    mkdirSync(agentDir, { recursive: true });
    writeFileSync(join(agentDir, 'settings.json'), JSON.stringify({ retry: { provider: { maxRetries: 0 } } }));
    const closed = await freePort();
    const before = chats().length;
    const run = await harness.agentTurn({
      local: true,
      sessionKey: 'e2e-dynamo-down',
      message: 'hello',
      timeoutMs: 180_000,
      env: { DYNAMO_BASE_URL: `http://127.0.0.1:${closed}/v1`, DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: '' },
    });
    const output = `${run.stdout}\n${run.stderr}`.slice(-4000);
    expect(run.signal, output).toBeNull();
    expect(run.exitCode, output).not.toBe(0);
    expect(run.json, output).toMatchObject({ ok: false, error: { message: expect.stringMatching(/connection refused/i) } });
    // The refusal came from the dynamo provider's own request, not from a crash in the plugin.
    expect(run.stderr, output).toMatch(/provider=dynamo .*ECONNREFUSED/);
    expect(output).not.toMatch(/SIGSEGV|Segmentation fault|uncaughtException|unhandledRejection|nemo-relay failed/i);
    expect(chats().length, 'nothing reached the (other) mock frontend').toBe(before);
  }, 240_000);
});
