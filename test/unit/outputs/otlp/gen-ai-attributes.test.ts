// The gen_ai projection as a backend receives it: every attribute the generic OTel output
// promises, read back from decoded protobuf; and the capture policy respected.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { CAPTURE_STRIPPED } from '../../../../src/trace/model.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { OtlpReceiver, ReceivedSpan } from '../../../support/otlp-receiver.ts';
import {
  CHILD_SESSION_ID,
  IDS,
  NO_CAPTURE,
  ROOT_SESSION_ID,
  SECRET_ANSWER,
  SECRET_PROMPT,
  SECRET_SYSTEM,
  SECRET_TOOL_OUTPUT,
  TREE_SPAN_COUNT,
  buildTree,
  exportTree,
  otlpConfig,
} from './session-fixture.ts';

async function exportWith(capture = buildTree()): Promise<{ receiver: OtlpReceiver; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const receiver = await startOtlpReceiver();
  const sink = createOtlpOutputSink(otlpConfig(receiver.url, { projection: 'gen_ai' }));
  exportTree(sink, capture);
  await sink.flush();
  return {
    receiver,
    spans: receiver.spans(),
    async close() {
      await sink.shutdown();
      await receiver.close();
    },
  };
}

const json = (v: unknown): unknown => JSON.parse(String(v));

describe('gen_ai projection', () => {
  let ctx: Awaited<ReturnType<typeof exportWith>>;
  const span = (id: string) => {
    const s = ctx.spans.find((x) => x.spanId === id);
    if (!s) throw new Error(`no span ${id}`);
    return s;
  };
  beforeAll(async () => {
    ctx = await exportWith();
  });
  afterAll(() => ctx.close());

  it('names spans after the operation', () => {
    expect(span(IDS.rootSession).name).toBe('invoke_agent main');
    expect(span(IDS.run1).name).toBe('invoke_agent main');
    expect(span(IDS.call1).name).toBe('chat gpt-test-1');
    expect(span(IDS.childCall).name).toBe('chat gpt-test-mini');
    expect(span(IDS.toolRead).name).toBe('execute_tool read_file');
  });

  it('writes the inference attributes on a chat span', () => {
    const a = span(IDS.call1).attributes;
    expect(a).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test-1',
      'gen_ai.response.model': 'gpt-test-1',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.finish_reasons': ['tool_call'],
      // input_tokens include cached tokens (120 fresh + 400 read + 50 written).
      'gen_ai.usage.input_tokens': 570,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.cache_creation.input_tokens': 50,
      'gen_ai.conversation.id': ROOT_SESSION_ID,
      'gen_ai.agent.name': 'main',
      'gen_ai.agent.id': 'main',
    });
    expect(span(IDS.call2).attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('writes messages and system instructions as JSON in the gen_ai message schema', () => {
    const a1 = span(IDS.call1).attributes;
    expect(json(a1['gen_ai.system_instructions'])).toEqual([{ type: 'text', content: SECRET_SYSTEM }]);
    expect(json(a1['gen_ai.input.messages'])).toEqual([{ role: 'user', parts: [{ type: 'text', content: SECRET_PROMPT }] }]);
    expect(json(a1['gen_ai.output.messages'])).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Let me read it and ask a helper.' },
          { type: 'tool_call', id: 'call_read', name: 'read_file', arguments: { path: 'notes.txt' } },
          { type: 'tool_call', id: 'call_spawn', name: 'sessions_spawn', arguments: { task: 'summarize notes' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
    const a2 = span(IDS.call2).attributes;
    const input = json(a2['gen_ai.input.messages']) as { role: string; parts: Record<string, unknown>[]; name?: string }[];
    expect(input.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(input[2]).toEqual({ role: 'tool', name: 'read_file', parts: [{ type: 'tool_call_response', id: 'call_read', result: SECRET_TOOL_OUTPUT }] });
    expect(json(a2['gen_ai.output.messages'])).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'The file says noon.' },
          { type: 'text', content: SECRET_ANSWER },
        ],
        finish_reason: 'stop',
      },
    ]);
    expect(json(a1['gen_ai.tool.definitions'])).toContainEqual({ type: 'function', name: 'read_file', description: 'Read a file from the workspace' });
  });

  it('writes tool execution attributes', () => {
    expect(span(IDS.toolRead).attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'read_file',
      'gen_ai.tool.call.id': 'call_read',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Read a file from the workspace',
      'gen_ai.tool.call.result': SECRET_TOOL_OUTPUT,
      'gen_ai.conversation.id': ROOT_SESSION_ID,
    });
    expect(json(span(IDS.toolRead).attributes['gen_ai.tool.call.arguments'])).toEqual({ path: 'notes.txt' });
    // A failed call has no result attribute: the failure is the status and exception event.
    const exec = span(IDS.orphanExec).attributes;
    expect(exec['gen_ai.tool.call.result']).toBeUndefined();
    expect(json(exec['gen_ai.tool.call.arguments'])).toEqual({ command: 'cat /etc/shadow' });
  });

  it('writes agent attributes on session and run spans, with the run usage and its turn', () => {
    expect(span(IDS.rootSession).attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'main',
      'gen_ai.agent.id': 'main',
      'gen_ai.conversation.id': ROOT_SESSION_ID,
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test-1',
    });
    const run = span(IDS.run1).attributes;
    expect(run).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 45,
      'gen_ai.usage.cache_read.input_tokens': 950,
      'gen_ai.usage.cache_creation.input_tokens': 50,
    });
    expect(json(run['gen_ai.input.messages'])).toEqual([{ role: 'user', parts: [{ type: 'text', content: SECRET_PROMPT }] }]);
    expect(json(run['gen_ai.system_instructions'])).toEqual([{ type: 'text', content: SECRET_SYSTEM }]);
    expect((json(run['gen_ai.output.messages']) as { parts: { content?: string }[] }[])[0]?.parts.at(-1)?.content).toBe(SECRET_ANSWER);
  });

  it('gives a subagent its own conversation id', () => {
    expect(span(IDS.childSession).attributes['gen_ai.conversation.id']).toBe(CHILD_SESSION_ID);
    expect(span(IDS.childCall).attributes['gen_ai.conversation.id']).toBe(CHILD_SESSION_ID);
  });

  it('carries session.id (the root session, as OpenInference writes it) beside gen_ai.conversation.id', () => {
    for (const s of ctx.spans) {
      if (s.attributes['gen_ai.conversation.id'] === undefined) continue;
      expect(s.attributes['session.id'], s.name).toBe(ROOT_SESSION_ID);
    }
    expect(span(IDS.childCall).attributes['gen_ai.conversation.id']).toBe(CHILD_SESSION_ID);
  });

  it('writes no OpenInference attributes', () => {
    for (const s of ctx.spans) {
      expect(Object.keys(s.attributes).filter((k) => k.startsWith('llm.') || k === 'openinference.span.kind')).toEqual([]);
    }
  });

  it('puts session.id (OTel semconv, shared with OpenInference) on every span, whatever the trace shape', () => {
    for (const s of ctx.spans) expect(typeof s.attributes['session.id']).toBe('string');
  });
});

describe('gen_ai projection under a strict capture policy', () => {
  let ctx: Awaited<ReturnType<typeof exportWith>>;
  beforeAll(async () => {
    ctx = await exportWith(buildTree(NO_CAPTURE));
  });
  afterAll(() => ctx.close());

  it('exports the same tree without any captured content', () => {
    expect(ctx.spans).toHaveLength(TREE_SPAN_COUNT);
    const wire = JSON.stringify(ctx.spans, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const secret of [SECRET_PROMPT, SECRET_SYSTEM, SECRET_ANSWER, SECRET_TOOL_OUTPUT, 'notes.txt', 'summarize notes', '/etc/shadow', 'The file says noon']) {
      expect(wire, secret).not.toContain(secret);
    }
  });

  it('keeps the structure and the capture markers, adds nothing back', () => {
    const call1 = ctx.spans.find((s) => s.spanId === IDS.call1)?.attributes ?? {};
    expect(call1['gen_ai.system_instructions']).toBeUndefined();
    expect(json(call1['gen_ai.input.messages'])).toEqual([{ role: 'user', parts: [] }]);
    expect(json(call1['gen_ai.output.messages'])).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_read', name: 'read_file', arguments: CAPTURE_STRIPPED },
          { type: 'tool_call', id: 'call_spawn', name: 'sessions_spawn', arguments: CAPTURE_STRIPPED },
        ],
        finish_reason: 'tool_call',
      },
    ]);
    const tool = ctx.spans.find((s) => s.spanId === IDS.toolRead)?.attributes ?? {};
    expect(tool['gen_ai.tool.call.arguments']).toBe(CAPTURE_STRIPPED);
    expect(tool['gen_ai.tool.call.result']).toBe(CAPTURE_STRIPPED);
    const run = ctx.spans.find((s) => s.spanId === IDS.run1)?.attributes ?? {};
    expect(run['gen_ai.input.messages']).toBeUndefined();
    expect(run['gen_ai.system_instructions']).toBeUndefined();
    // Token counts are not content: they stay.
    expect(call1['gen_ai.usage.input_tokens']).toBe(570);
  });
});
