// The OpenInference projection as Phoenix receives it (decoded protobuf from a real
// receiver): span kinds, LLM messages with tool calls, tools, token counts incl. cache,
// costs, input/output values, session.id on every span, metadata, tags, the project name as
// header and resource attribute; the `full` projection; the capture policy.

import { MimeType, OpenInferenceSpanKind, SEMRESATTRS_PROJECT_NAME, SemanticConventions as SC } from '@arizeai/openinference-semantic-conventions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../../src/config/types.ts';
import { createOtlpOutputSink } from '../../../../../src/outputs/otlp/projections.ts';
import { CAPTURE_STRIPPED } from '../../../../../src/trace/model.ts';
import { startOtlpReceiver } from '../../../../support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../../../../support/otlp-receiver.ts';
import {
  CHILD_KEY,
  IDS,
  NO_CAPTURE,
  ROOT_SESSION_ID,
  SECRET_ANSWER,
  SECRET_PROMPT,
  SECRET_SYSTEM,
  SECRET_TOOL_OUTPUT,
  TOOL_DEFS,
  TREE_SPAN_COUNT,
  buildTree,
  exportTree,
  otlpConfig,
} from '../session-fixture.ts';

interface Exported {
  receiver: OtlpReceiver;
  spans: ReceivedSpan[];
  span(id: string): ReceivedSpan;
  close(): Promise<void>;
}

async function exportWith(overrides: Partial<OtlpOutputConfig>, tree = buildTree()): Promise<Exported> {
  const receiver = await startOtlpReceiver();
  const sink = createOtlpOutputSink(otlpConfig(receiver.url, { name: 'openinference', projection: 'openinference', projectName: 'openclaw-tests', ...overrides }));
  exportTree(sink, tree);
  await sink.flush();
  const spans = receiver.spans();
  return {
    receiver,
    spans,
    span(id) {
      const s = spans.find((x) => x.spanId === id);
      if (!s) throw new Error(`no span ${id}`);
      return s;
    },
    async close() {
      await sink.shutdown();
      await receiver.close();
    },
  };
}

const json = (v: unknown): unknown => JSON.parse(String(v));
const IN = (i: number, key: string) => `${SC.LLM_INPUT_MESSAGES}.${i}.${key}`;
const OUT = (i: number, key: string) => `${SC.LLM_OUTPUT_MESSAGES}.${i}.${key}`;
const TC = (j: number, key: string) => `${SC.MESSAGE_TOOL_CALLS}.${j}.${key}`;

describe('OpenInference projection', () => {
  let x: Exported;
  beforeAll(async () => {
    x = await exportWith({});
  });
  afterAll(() => x.close());

  it('sets the span kinds: session AGENT, run AGENT, LLM, TOOL', () => {
    expect(x.spans).toHaveLength(TREE_SPAN_COUNT);
    const kind = (id: string) => x.span(id).attributes[SC.OPENINFERENCE_SPAN_KIND];
    expect(kind(IDS.rootSession)).toBe(OpenInferenceSpanKind.AGENT);
    expect(kind(IDS.childSession)).toBe(OpenInferenceSpanKind.AGENT);
    expect(kind(IDS.run1)).toBe(OpenInferenceSpanKind.AGENT);
    expect(kind(IDS.call1)).toBe(OpenInferenceSpanKind.LLM);
    expect(kind(IDS.toolRead)).toBe(OpenInferenceSpanKind.TOOL);
    expect(kind(IDS.orphanExec)).toBe(OpenInferenceSpanKind.TOOL);
  });

  it('puts the root session id on every span, subagent spans included (Phoenix sessions)', () => {
    for (const s of x.spans) expect(s.attributes[SC.SESSION_ID], s.name).toBe(ROOT_SESSION_ID);
  });

  it('names the project by header and by resource attribute', () => {
    for (const req of x.receiver.requests) expect(req.headers['x-project-name']).toBe('openclaw-tests');
    for (const s of x.spans) expect(s.resource[SEMRESATTRS_PROJECT_NAME]).toBe('openclaw-tests');
    expect(x.spans[0]?.resource['service.name']).toBe('openclaw-nemo-relay-test');
  });

  it('writes model, provider, system, invocation parameters and finish reason on LLM spans', () => {
    const a = x.span(IDS.call1).attributes;
    expect(a[SC.LLM_MODEL_NAME]).toBe('gpt-test-1');
    expect(a[SC.LLM_PROVIDER]).toBe('openai');
    expect(a[SC.LLM_SYSTEM]).toBe('openai');
    expect(a[SC.LLM_FINISH_REASON]).toBe('toolUse');
    expect(json(a[SC.LLM_INVOCATION_PARAMETERS])).toEqual({ model: 'gpt-test-1' });
  });

  it('flattens input messages with roles, content, tool calls and tool results', () => {
    const a = x.span(IDS.call2).attributes;
    expect(a[IN(0, SC.MESSAGE_ROLE)]).toBe('system');
    expect(a[IN(0, SC.MESSAGE_CONTENT)]).toBe(SECRET_SYSTEM);
    expect(a[IN(1, SC.MESSAGE_ROLE)]).toBe('user');
    expect(a[IN(1, SC.MESSAGE_CONTENT)]).toBe(SECRET_PROMPT);
    expect(a[IN(2, SC.MESSAGE_ROLE)]).toBe('assistant');
    expect(a[IN(2, TC(0, SC.TOOL_CALL_ID))]).toBe('call_read');
    expect(a[IN(2, TC(0, SC.TOOL_CALL_FUNCTION_NAME))]).toBe('read_file');
    expect(json(a[IN(2, TC(0, SC.TOOL_CALL_FUNCTION_ARGUMENTS_JSON))])).toEqual({ path: 'notes.txt' });
    expect(a[IN(2, TC(1, SC.TOOL_CALL_FUNCTION_NAME))]).toBe('sessions_spawn');
    expect(a[IN(3, SC.MESSAGE_ROLE)]).toBe('tool');
    expect(a[IN(3, SC.MESSAGE_TOOL_CALL_ID)]).toBe('call_read');
    expect(a[IN(3, SC.MESSAGE_NAME)]).toBe('read_file');
    expect(a[IN(3, SC.MESSAGE_CONTENT)]).toBe(SECRET_TOOL_OUTPUT);
    expect(a[IN(4, SC.MESSAGE_TOOL_CALL_ID)]).toBe('call_spawn');
    expect(a[IN(5, SC.MESSAGE_ROLE)]).toBeUndefined();
  });

  it('flattens output messages, tool calls included', () => {
    const a1 = x.span(IDS.call1).attributes;
    expect(a1[OUT(0, SC.MESSAGE_ROLE)]).toBe('assistant');
    expect(a1[OUT(0, SC.MESSAGE_CONTENT)]).toBe('Let me read it and ask a helper.');
    expect(a1[OUT(0, TC(0, SC.TOOL_CALL_ID))]).toBe('call_read');
    expect(a1[OUT(0, TC(1, SC.TOOL_CALL_ID))]).toBe('call_spawn');
    expect(json(a1[OUT(0, TC(1, SC.TOOL_CALL_FUNCTION_ARGUMENTS_JSON))])).toEqual({ task: 'summarize notes' });
    expect(x.span(IDS.call2).attributes[OUT(0, SC.MESSAGE_CONTENT)]).toBe(SECRET_ANSWER);
  });

  it('lists the available tools as JSON schemas', () => {
    const a = x.span(IDS.call1).attributes;
    TOOL_DEFS.forEach((def, i) => {
      const schema = json(a[`${SC.LLM_TOOLS}.${i}.${SC.TOOL_JSON_SCHEMA}`]) as { type: string; function: Record<string, unknown> };
      expect(schema.type).toBe('function');
      expect(schema.function['name']).toBe(def.name);
      expect(schema.function['description']).toBe(def.description);
      expect(schema.function['parameters']).toEqual(def.parameters);
    });
  });

  it('counts tokens with cached tokens inside the prompt count, and costs', () => {
    const a = x.span(IDS.call1).attributes;
    expect(a[SC.LLM_TOKEN_COUNT_PROMPT]).toBe(570);
    expect(a[SC.LLM_TOKEN_COUNT_COMPLETION]).toBe(30);
    expect(a[SC.LLM_TOKEN_COUNT_TOTAL]).toBe(600);
    expect(a[SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ]).toBe(400);
    expect(a[SC.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE]).toBe(50);
    expect(a[SC.LLM_COST_TOTAL]).toBeCloseTo(0.0003125, 12);
    expect(a[SC.LLM_COST_PROMPT]).toBeCloseTo(0.00012 + 0.00004 + 0.0000625, 12);
    expect(a[SC.LLM_COST_COMPLETION]).toBeCloseTo(0.00009, 12);
    expect(a[SC.LLM_COST_INPUT]).toBeCloseTo(0.00012, 12);
    expect(a[SC.LLM_COST_OUTPUT]).toBeCloseTo(0.00009, 12);
    expect(a[SC.LLM_COST_PROMPT_DETAILS_CACHE_READ]).toBeCloseTo(0.00004, 12);
    expect(a[SC.LLM_COST_PROMPT_DETAILS_CACHE_WRITE]).toBeCloseTo(0.0000625, 12);
    // Only total cost known: no invented breakdown.
    const b = x.span(IDS.call2).attributes;
    expect(b[SC.LLM_COST_TOTAL]).toBeCloseTo(0.0002, 12);
    expect(b[SC.LLM_COST_PROMPT]).toBeUndefined();
    // No token counts on agent spans: Phoenix sums them from the LLM spans below.
    expect(x.span(IDS.run1).attributes[SC.LLM_TOKEN_COUNT_PROMPT]).toBeUndefined();
  });

  it('writes tool name, description, parameters, call id and values on TOOL spans', () => {
    const a = x.span(IDS.toolRead).attributes;
    expect(a[SC.TOOL_NAME]).toBe('read_file');
    expect(a[SC.TOOL_DESCRIPTION]).toBe('Read a file from the workspace');
    expect(json(a[SC.TOOL_PARAMETERS])).toEqual(TOOL_DEFS[0]?.parameters);
    expect(a[SC.TOOL_CALL_ID]).toBe('call_read');
    expect(json(a[SC.INPUT_VALUE])).toEqual({ path: 'notes.txt' });
    expect(a[SC.INPUT_MIME_TYPE]).toBe(MimeType.JSON);
    expect(a[SC.OUTPUT_VALUE]).toBe(SECRET_TOOL_OUTPUT);
    expect(a[SC.OUTPUT_MIME_TYPE]).toBe(MimeType.TEXT);
    const spawn = x.span(IDS.toolSpawn).attributes;
    expect(spawn[SC.OUTPUT_MIME_TYPE]).toBe(MimeType.JSON);
    expect(json(spawn[SC.METADATA])).toMatchObject({ child_session_key: CHILD_KEY, tool_call_id: 'call_spawn' });
  });

  it('puts input and output values with mime types on every span kind', () => {
    for (const id of [IDS.rootSession, IDS.run1, IDS.call1, IDS.call2, IDS.toolRead, IDS.childSession, IDS.childRun, IDS.childCall]) {
      const a = x.span(id).attributes;
      expect(a[SC.INPUT_VALUE], id).toBeTypeOf('string');
      expect([MimeType.TEXT, MimeType.JSON], id).toContain(a[SC.INPUT_MIME_TYPE]);
      expect(a[SC.OUTPUT_VALUE], id).toBeTypeOf('string');
      expect([MimeType.TEXT, MimeType.JSON], id).toContain(a[SC.OUTPUT_MIME_TYPE]);
    }
    expect(x.span(IDS.rootSession).attributes[SC.INPUT_VALUE]).toBe(SECRET_PROMPT);
    expect(x.span(IDS.rootSession).attributes[SC.OUTPUT_VALUE]).toBe(SECRET_ANSWER);
    expect(x.span(IDS.run1).attributes[SC.INPUT_VALUE]).toBe(SECRET_PROMPT);
    expect(x.span(IDS.run1).attributes[SC.OUTPUT_VALUE]).toBe(SECRET_ANSWER);
    const llmIn = json(x.span(IDS.call1).attributes[SC.INPUT_VALUE]) as { messages: { role: string }[] };
    expect(llmIn.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(x.span(IDS.call1).attributes[SC.OUTPUT_MIME_TYPE]).toBe(MimeType.JSON);
    expect(x.span(IDS.call2).attributes[SC.OUTPUT_VALUE]).toBe(SECRET_ANSWER);
  });

  it('writes metadata JSON and tags', () => {
    const run = json(x.span(IDS.run1).attributes[SC.METADATA]) as Record<string, unknown>;
    expect(run).toMatchObject({ run_id: 'run-1', trigger: 'user', session_key: 'agent:main:main', session_id: ROOT_SESSION_ID, usage_source: 'llm_output' });
    expect(run['usage']).toMatchObject({ prompt_tokens: 1200, completion_tokens: 45, total_tokens: 1245 });
    const call = json(x.span(IDS.call1).attributes[SC.METADATA]) as Record<string, unknown>;
    expect(call).toMatchObject({ call_id: 'run-1:model:1', api: 'openai-completions', transport: 'sse', time_to_first_byte_ms: 300 });
    const child = json(x.span(IDS.childCall).attributes[SC.METADATA]) as Record<string, unknown>;
    expect(child).toMatchObject({ session_key: CHILD_KEY, parent_session_key: 'agent:main:main' });
    expect(x.span(IDS.call1).attributes[SC.TAG_TAGS]).toEqual(['openclaw', 'llm']);
    expect(x.span(IDS.childCall).attributes[SC.TAG_TAGS]).toEqual(['openclaw', 'llm', 'subagent']);
    expect(x.span(IDS.run1).attributes[SC.TAG_TAGS]).toEqual(['openclaw', 'run', 'user']);
    expect(x.span(IDS.rootSession).attributes[SC.AGENT_NAME]).toBe('main');
  });

  it('reports failures as ERROR with an exception event (not OK)', () => {
    expect(x.span(IDS.orphanExec).status.code).toBe(2);
    expect(x.span(IDS.call3).status.code).toBe(2);
    expect(x.span(IDS.call3).events.find((e) => e.name === 'exception')?.attributes['exception.message']).toBe('500 Internal Server Error from provider');
  });

  it('writes no gen_ai attributes', () => {
    for (const s of x.spans) expect(Object.keys(s.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
  });

  it('makes a non-user run (a subagent announce) a CHAIN', async () => {
    const tree = buildTree();
    tree.run2.trigger = 'announce';
    const y = await exportWith({}, tree);
    expect(y.span(IDS.run2).attributes[SC.OPENINFERENCE_SPAN_KIND]).toBe(OpenInferenceSpanKind.CHAIN);
    await y.close();
  });

  it('falls back to the session key for session.id before OpenClaw revealed the session id', async () => {
    const tree = buildTree();
    tree.root.sessionId = undefined;
    const y = await exportWith({}, tree);
    for (const s of y.spans) expect(s.attributes[SC.SESSION_ID]).toBe('agent:main:main');
    await y.close();
  });
});

describe('full projection', () => {
  let x: Exported;
  beforeAll(async () => {
    x = await exportWith({ projection: 'full' });
  });
  afterAll(() => x.close());

  it('carries both attribute sets on one span, named the gen_ai way', () => {
    const a = x.span(IDS.call1).attributes;
    expect(x.span(IDS.call1).name).toBe('chat gpt-test-1');
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.usage.input_tokens']).toBe(570);
    expect(a[SC.OPENINFERENCE_SPAN_KIND]).toBe(OpenInferenceSpanKind.LLM);
    expect(a[SC.LLM_TOKEN_COUNT_PROMPT]).toBe(570);
    for (const s of x.spans) expect(s.attributes[SC.SESSION_ID]).toBe(ROOT_SESSION_ID);
    for (const req of x.receiver.requests) expect(req.headers['x-project-name']).toBe('openclaw-tests');
  });
});

describe('OpenInference projection under a strict capture policy', () => {
  let x: Exported;
  beforeAll(async () => {
    x = await exportWith({}, buildTree(NO_CAPTURE));
  });
  afterAll(() => x.close());

  it('exports no captured content anywhere', () => {
    expect(x.spans).toHaveLength(TREE_SPAN_COUNT);
    const wire = JSON.stringify(x.spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of [SECRET_PROMPT, SECRET_SYSTEM, SECRET_ANSWER, SECRET_TOOL_OUTPUT, 'notes.txt', 'summarize notes', '/etc/shadow', 'second question']) {
      expect(wire, secret).not.toContain(secret);
    }
  });

  it('keeps roles, tool-call structure and capture markers, and adds nothing back', () => {
    const a = x.span(IDS.call2).attributes;
    expect(a[IN(0, SC.MESSAGE_ROLE)]).toBe('system');
    expect(a[IN(0, SC.MESSAGE_CONTENT)]).toBeUndefined();
    expect(a[IN(2, TC(0, SC.TOOL_CALL_FUNCTION_NAME))]).toBe('read_file');
    expect(a[IN(2, TC(0, SC.TOOL_CALL_FUNCTION_ARGUMENTS_JSON))]).toBe(CAPTURE_STRIPPED);
    expect(a[IN(3, SC.MESSAGE_CONTENT)]).toBe(CAPTURE_STRIPPED);
    expect(a[OUT(0, SC.MESSAGE_CONTENT)]).toBeUndefined();
    const tool = x.span(IDS.toolRead).attributes;
    expect(tool[SC.INPUT_VALUE]).toBe(CAPTURE_STRIPPED);
    expect(tool[SC.INPUT_MIME_TYPE]).toBe(MimeType.TEXT);
    expect(tool[SC.OUTPUT_VALUE]).toBe(CAPTURE_STRIPPED);
    for (const id of [IDS.rootSession, IDS.run1]) {
      expect(x.span(id).attributes[SC.INPUT_VALUE]).toBeUndefined();
      expect(x.span(id).attributes[SC.OUTPUT_VALUE]).toBeUndefined();
    }
    // Counts and ids are not content.
    expect(x.span(IDS.call1).attributes[SC.LLM_TOKEN_COUNT_PROMPT]).toBe(570);
    expect(x.span(IDS.call1).attributes[SC.SESSION_ID]).toBe(ROOT_SESSION_ID);
  });
});
