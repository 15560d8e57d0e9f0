// The tool-event relay against a real ZeroMQ PULL socket bound on loopback, the way Dynamo binds
// its tool-event endpoint: frames, sequence numbers, msgpack records checked against the schema.

import { readFileSync } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import * as zmq from 'zeromq';
import { createDynamo } from '../../../src/dynamo/index.ts';
import { ToolEventRelay } from '../../../src/dynamo/tool-relay.ts';
import type { ToolRecord } from '../../../src/dynamo/tool-record.ts';
import { parseHook } from '../../../src/ingest/parse.ts';
import { parseOnce } from '../../../src/ingest/parse-once.ts';
import { registerHooks, type HookHandler } from '../../../src/ingest/register-hooks.ts';
import { dynamoHooks } from '../../../src/runtime/dynamo-wiring.ts';
import type { ToolHookEvent } from '../../../src/ingest/events.ts';
import { closedPort, identityView } from './fixtures.ts';

/** What the hook table hands Dynamo: the parsed tool event (src/ingest), named or not. */
function tool(hook: 'before_tool_call' | 'after_tool_call', event: unknown, ctx: unknown, at = Date.now()): ToolHookEvent {
  const parsed = parseHook(hook, event, ctx, at);
  if (!parsed.tool) throw new Error(`${hook}: no tool event`);
  return parsed.tool;
}

const schema = JSON.parse(readFileSync(new URL('../../../schemas/dynamo-tool-event.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const view = identityView([
  { sessionKey: 'agent:main:k1', sessionId: 'S-lead', isSubagent: false },
  { sessionKey: 'agent:main:subagent:c1', sessionId: 'S-child', isSubagent: true, parentSessionKey: 'agent:main:k1' },
]);

interface Received {
  topic: string;
  sequence: bigint;
  record: ToolRecord;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function bindPull(): Promise<{ endpoint: string; receive: (count: number) => Promise<Received[]> }> {
  const pull = new zmq.Pull({ receiveTimeout: 5_000 });
  await pull.bind('tcp://127.0.0.1:*');
  cleanups.push(() => pull.close());
  return {
    endpoint: pull.lastEndpoint ?? '',
    async receive(count) {
      const out: Received[] = [];
      while (out.length < count) {
        const frames = await pull.receive();
        expect(frames).toHaveLength(3);
        const [topic, sequence, payload] = frames as [Buffer, Buffer, Buffer];
        expect(sequence).toHaveLength(8);
        out.push({ topic: topic.toString('utf8'), sequence: sequence.readBigUInt64BE(), record: decode(payload) as ToolRecord });
      }
      return out;
    },
  };
}

function expectValid(record: unknown): void {
  const ok = validate(record);
  expect(validate.errors ?? [], JSON.stringify(record)).toEqual([]);
  expect(ok).toBe(true);
}

describe('tool event relay', () => {
  it('sends [topic, sequence, msgpack(record)] records that pair by tool_call_id and match the schema', async () => {
    const pull = await bindPull();
    let clock = 1_800_000_000_000;
    const dynamo = createDynamo({
      identity: view,
      env: { DYN_AGENT_TRACE: '1', DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: pull.endpoint },
      now: () => clock,
    });
    cleanups.push(() => dynamo.shutdown());

    const leadCtx = { sessionKey: 'agent:main:k1', sessionId: 'S-lead', runId: 'r1' };
    const childCtx = { sessionKey: 'agent:main:subagent:c1', sessionId: 'S-child', runId: 'r2' };
    dynamo.onToolStart(tool('before_tool_call', { toolCallId: 'call_1', toolName: 'exec', params: { command: 'ls' }, runId: 'r1' }, leadCtx, clock));
    clock += 40;
    dynamo.onToolEnd(tool('after_tool_call', { toolCallId: 'call_1', toolName: 'exec', params: {}, result: { content: [{ type: 'text', text: 'héllo' }] }, durationMs: 38, runId: 'r1' },
      leadCtx, clock));
    dynamo.onToolStart(tool('before_tool_call', { toolCallId: 'call_2', toolName: 'read', params: {}, runId: 'r2' }, childCtx, clock));
    clock += 5;
    dynamo.onToolEnd(tool('after_tool_call', { toolCallId: 'call_2', toolName: 'read', error: 'ENOENT: /secret/path missing', durationMs: 5, runId: 'r2' }, childCtx, clock));

    const got = await pull.receive(4);
    expect(got.map((g) => g.topic)).toEqual(Array(4).fill('agent-tool-events'));
    expect(got.map((g) => g.sequence)).toEqual([1n, 2n, 3n, 4n]);
    got.forEach((g) => expectValid(g.record));

    const [start1, end1, start2, end2] = got.map((g) => g.record) as [ToolRecord, ToolRecord, ToolRecord, ToolRecord];
    expect(start1).toEqual({
      schema: 'dynamo.agent.trace.v1',
      event_type: 'tool_start',
      event_time_unix_ms: 1_800_000_000_000,
      event_source: 'harness',
      agent_context: { session_type_id: 'openclaw_coding_agent', session_id: 'S-lead', trajectory_id: 'S-lead' },
      tool: { tool_call_id: 'call_1', tool_class: 'exec', status: 'running', started_at_unix_ms: 1_800_000_000_000 },
    });
    expect(end1).toMatchObject({
      event_type: 'tool_end',
      tool: {
        tool_call_id: 'call_1',
        status: 'succeeded',
        started_at_unix_ms: start1.tool.started_at_unix_ms,
        ended_at_unix_ms: 1_800_000_000_040,
        duration_ms: 38,
        output_bytes: 6,
      },
    });
    expect(start2.agent_context).toEqual({
      session_type_id: 'openclaw_coding_agent',
      session_id: 'S-lead',
      trajectory_id: 'S-child',
      parent_trajectory_id: 'S-lead',
    });
    expect(end2).toMatchObject({
      event_type: 'tool_error',
      agent_context: start2.agent_context,
      tool: { tool_call_id: 'call_2', tool_class: 'read', status: 'error', error_type: 'tool_error', duration_ms: 5 },
    });
    // Nothing of the tool's arguments, output or error message leaves the process.
    expect(JSON.stringify(got.map((g) => g.record))).not.toMatch(/secret|héllo|ls/);

    const status = dynamo.status().toolRelay;
    expect(status).toMatchObject({ enabled: true, state: 'running', sent: 4, dropped: { total: 0 }, records: { pendingStarts: 0 } });
  });

  it('sends a terminal record that stands alone when its start was never seen', async () => {
    const pull = await bindPull();
    const dynamo = createDynamo({
      identity: view,
      env: { DYN_AGENT_TRACE: '1', DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: pull.endpoint, DYN_AGENT_TOOL_EVENTS_ZMQ_TOPIC: 'custom-topic' },
      now: () => 2_000_000,
    });
    cleanups.push(() => dynamo.shutdown());
    dynamo.onToolEnd(tool('after_tool_call', { toolCallId: 'orphan', toolName: 'web_fetch', result: 'abc', durationMs: 250 }, { sessionId: 'S-lead' }, 2_000_000));
    dynamo.onToolEnd(tool('after_tool_call', { toolCallId: 'stopped', toolName: 'exec', error: { name: 'AbortError', message: 'aborted' } }, { sessionId: 'S-lead' }, 2_000_000));
    const [orphan, stopped] = await pull.receive(2);
    expect(orphan?.topic).toBe('custom-topic');
    expectValid(orphan?.record);
    expect(orphan?.record.tool).toEqual({
      tool_call_id: 'orphan',
      tool_class: 'web_fetch',
      status: 'succeeded',
      started_at_unix_ms: 1_999_750,
      ended_at_unix_ms: 2_000_000,
      duration_ms: 250,
      output_bytes: 3,
    });
    expectValid(stopped?.record);
    expect(stopped?.record).toMatchObject({ event_type: 'tool_error', tool: { status: 'cancelled', error_type: 'cancelled' } });
  });

  it('skips events it cannot attribute or pair, and counts them', async () => {
    const pull = await bindPull();
    const dynamo = createDynamo({ identity: view, env: { DYN_AGENT_TRACE: '1', DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: pull.endpoint } });
    cleanups.push(() => dynamo.shutdown());
    dynamo.onToolStart(tool('before_tool_call', { toolName: 'exec' }, { sessionId: 'S-lead' }));
    dynamo.onToolStart(tool('before_tool_call', { toolCallId: 'x', toolName: 'exec' }, {}));
    dynamo.onToolStart(tool('before_tool_call', null, undefined));
    expect(dynamo.status().toolRelay).toMatchObject({ sent: 0, records: { withoutToolCallId: 2, unattributed: 1 } });
  });

  it('through the hook table alone (observability off): nameless tools, error classes, one parse shared', async () => {
    const pull = await bindPull();
    const dynamo = createDynamo({ identity: view, env: { DYN_AGENT_TRACE: '1', DYN_AGENT_TOOL_EVENTS_ZMQ_ENDPOINT: pull.endpoint } });
    cleanups.push(() => dynamo.shutdown());
    const handlers = new Map<string, HookHandler>();
    const seen: unknown[] = [];
    // A second consumer in the same delivery gets the very parse Dynamo made, not a new one.
    const witness = { after_tool_call: (e: unknown, c: unknown) => void seen.push(parseOnce('after_tool_call', e, c, 0)) };
    registerHooks((name: string, h: HookHandler) => handlers.set(name, h), [dynamoHooks({}, dynamo), witness]);
    const ctx = { sessionId: 'S-lead', runId: 'r1' };
    handlers.get('before_tool_call')!({ toolCallId: 'anon' }, ctx);
    handlers.get('after_tool_call')!({ toolCallId: 'anon', durationMs: 3, error: { code: 'EACCES', message: 'denied /home/x' } }, ctx);
    handlers.get('after_tool_call')!({ toolCallId: 'flagged', toolName: 'grep', result: { isError: true, content: [] } }, ctx);
    // `error: false` means no error.
    handlers.get('after_tool_call')!({ toolCallId: 'fine', toolName: 'grep', error: false, result: { content: [] } }, ctx);

    const got = (await pull.receive(4)).map((g) => g.record) as ToolRecord[];
    got.forEach((r) => expectValid(r));
    expect(got.map((r) => [r.event_type, r.tool.tool_call_id, r.tool.tool_class, r.tool.status, r.tool.error_type])).toEqual([
      ['tool_start', 'anon', 'unknown', 'running', undefined],
      ['tool_error', 'anon', 'unknown', 'error', 'EACCES'],
      ['tool_error', 'flagged', 'grep', 'error', 'tool_reported_error'],
      ['tool_end', 'fine', 'grep', 'succeeded', undefined],
    ]);
    expect(JSON.stringify(got)).not.toContain('denied');
    expect(seen).toHaveLength(3);
    // The witness's own clock (0) was not used: the parse it got is Dynamo's, made at delivery.
    expect((seen as Array<{ tool?: { at: number } }>).every((p) => (p.tool?.at ?? 0) > 0)).toBe(true);
  });

  it('drops and counts when no peer is there, without ever blocking the caller', async () => {
    const unbound = `tcp://127.0.0.1:${await closedPort()}`;

    const relay = new ToolEventRelay({ endpoint: unbound, topic: 't', maxQueue: 4, retryDelayMs: 5, sendAttempts: 3 });
    await relay.start();
    const started = Date.now();
    const accepted = Array.from({ length: 10 }, (_, i) => relay.enqueue({ i }));
    expect(Date.now() - started).toBeLessThan(250);
    // One message is already with the socket, four wait in the queue, the rest are refused.
    expect(accepted.filter(Boolean)).toHaveLength(5);
    expect(relay.status().dropped.queueFull).toBe(5);

    const deadline = Date.now() + 5_000;
    while (relay.status().dropped.noPeer < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(relay.status()).toMatchObject({ sent: 0, queueDepth: 0, dropped: { queueFull: 5, noPeer: 5, total: 10 } });
    expect(relay.status().lastError?.message).toContain(unbound);
    await relay.shutdown();
    expect(relay.enqueue({ late: true })).toBe(false);
    expect(relay.status()).toMatchObject({ state: 'stopped', dropped: { stopped: 1, total: 11 } });
  });

  it('records a socket that cannot be created and keeps hooks harmless', async () => {
    const relay = new ToolEventRelay({
      endpoint: 'tcp://127.0.0.1:1',
      topic: 't',
      createSocket: () => Promise.reject(new Error('native module missing')),
    });
    expect(relay.enqueue({ a: 1 })).toBe(true);
    await relay.start();
    expect(relay.enqueue({ a: 2 })).toBe(false);
    expect(relay.status()).toMatchObject({ state: 'failed', dropped: { stopped: 2 } });
    expect(relay.status().lastError?.message).toMatch(/could not start: native module missing/);
    await relay.shutdown();
  });
});
