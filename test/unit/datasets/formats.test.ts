// Each format's exact records for small trajectories whose expected messages are written by
// hand from the ATIF semantics (README "From trajectories to a dataset").

import { describe, expect, it } from 'vitest';
import { annotationsOf } from '../../../src/datasets/annotations.ts';
import { atifJsonl } from '../../../src/datasets/formats/atif-jsonl.ts';
import type { DatasetFormat } from '../../../src/datasets/formats/format.ts';
import { openAiChatJsonl } from '../../../src/datasets/formats/openai-chat-jsonl.ts';
import { shareGpt } from '../../../src/datasets/formats/sharegpt.ts';
import type { AtifTrajectory } from '../../../src/outputs/atif/types.ts';
import { validateAtif } from '../../../src/outputs/atif/validate.ts';
import { call, run, session, tool } from '../outputs/atif/build.ts';
import { build, episode, withSubagent } from './docs.ts';

const sample = (f: DatasetFormat, doc: AtifTrajectory, withMeta = false, root = doc) =>
  f.sample({ doc, root, file: 'x.json', annotations: annotationsOf(root), withMeta });

const READ_TOOL = { type: 'function', function: { name: 'read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } };

describe('openai-chat-jsonl', () => {
  it('system/user/assistant, tool_calls with JSON-string arguments, tool messages, reasoning_content, tools', () => {
    expect(sample(openAiChatJsonl, episode('e1'))).toEqual({
      messages: [
        { role: 'system', content: 'You are a helpful agent.' },
        { role: 'user', content: 'Read /tmp/a.txt' },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'I should read the file.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{"path":"/tmp/a.txt"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'file contents' },
        { role: 'assistant', content: 'It says: file contents' },
        { role: 'user', content: 'thanks' },
        { role: 'assistant', content: 'You are welcome.' },
      ],
      tools: [READ_TOOL],
    });
  });

  it('parallel calls: one assistant message, tool messages in call order; a missing result is answered empty', () => {
    const s = session({ sessionId: 'par' });
    const a = tool('c_a', 'read', { arguments: { path: 'a' }, result: 'A' });
    const b = tool('c_b', 'read', { arguments: { path: 'b' }, result: 'B' });
    s.runs.push(
      run('r', 'both', [
        call('r', 1, {
          text: 'Reading both.',
          toolCalls: [
            { id: 'c_b', name: 'read', arguments: { path: 'b' } },
            { id: 'c_a', name: 'read', arguments: { path: 'a' } },
            { id: 'c_lost', name: 'read', arguments: { path: 'c' } },
          ],
          tools: [a, b],
        }),
        call('r', 2, { text: 'A and B' }),
      ]),
    );
    const rec = sample(openAiChatJsonl, build(s))!;
    expect((rec['messages'] as unknown[]).slice(2)).toEqual([
      {
        role: 'assistant',
        content: 'Reading both.',
        tool_calls: [
          { id: 'c_b', type: 'function', function: { name: 'read', arguments: '{"path":"b"}' } },
          { id: 'c_a', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } },
          { id: 'c_lost', type: 'function', function: { name: 'read', arguments: '{"path":"c"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c_b', content: 'B' },
      { role: 'tool', tool_call_id: 'c_a', content: 'A' },
      { role: 'tool', tool_call_id: 'c_lost', content: '' },
      { role: 'assistant', content: 'A and B' },
    ]);
  });

  it('a subagent trajectory is its own conversation; metadata names the root and carries the annotations', () => {
    const doc = withSubagent('p1', { episode_id: 'ep', reward: 0.5, outcome: 'success' });
    const parent = sample(openAiChatJsonl, doc)!;
    expect(parent['messages']).toEqual([
      { role: 'system', content: 'You are a helpful agent.' },
      { role: 'user', content: 'Spawn a helper' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_spawn', type: 'function', function: { name: 'sessions_spawn', arguments: '{"task":"count"}' } }] },
      { role: 'tool', tool_call_id: 'call_spawn', content: '{"status":"accepted"}' },
      { role: 'assistant', content: 'Spawned' },
    ]);
    const child = sample(openAiChatJsonl, doc.subagent_trajectories![0]!, true, doc)!;
    expect(child).toEqual({
      messages: [
        { role: 'system', content: 'You are a subagent.' },
        { role: 'user', content: 'Count to three' },
        { role: 'assistant', content: '1 2 3' },
      ],
      tools: [READ_TOOL],
      metadata: { file: 'x.json', trajectory_id: 'p1-child', session_id: 'p1-child', root_trajectory_id: 'p1', episode_id: 'ep', reward: 0.5, outcome: 'success' },
    });
  });

  it('compaction restarts the conversation from the system prompt and the summary; image parts become image_url', () => {
    const doc: AtifTrajectory = {
      schema_version: 'ATIF-v1.7',
      trajectory_id: 't',
      agent: { name: 'a', version: '1' },
      steps: [
        { step_id: 1, source: 'system', message: 'sys' },
        { step_id: 2, source: 'user', message: 'old question' },
        { step_id: 3, source: 'agent', message: 'old answer' },
        { step_id: 4, source: 'system', message: 'Context compaction', observation: { results: [{ content: 'summary of old' }] }, extra: { context_management: { type: 'compaction', boundary: 'replace' } } },
        { step_id: 5, source: 'user', message: [{ type: 'text', text: 'what is this?' }, { type: 'image', source: { media_type: 'image/png', path: 'img/1.png' } }] } as never,
        { step_id: 6, source: 'agent', message: 'a cat' },
        { step_id: 7, source: 'system', message: 'Tool calls that could not be attributed to an LLM call', observation: { results: [{ content: 'x' }] }, extra: { orphan_tools: true } },
      ],
    };
    expect(validateAtif(doc).errors).toEqual([]);
    expect(sample(openAiChatJsonl, doc)).toEqual({
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'summary of old' },
        { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'img/1.png' } }] },
        { role: 'assistant', content: 'a cat' },
      ],
    });
    expect(sample(shareGpt, doc)).toEqual({
      conversations: [
        { from: 'system', value: 'sys' },
        { from: 'human', value: 'summary of old\n\nwhat is this?\n<image>' },
        { from: 'gpt', value: 'a cat' },
      ],
      images: ['img/1.png'],
    });
  });

  it('a trajectory without an assistant turn gives no record', () => {
    const doc: AtifTrajectory = { schema_version: 'ATIF-v1.7', trajectory_id: 'q', agent: { name: 'a', version: '1' }, steps: [{ step_id: 1, source: 'user', message: 'hello?' }] };
    expect(sample(openAiChatJsonl, doc)).toBeUndefined();
    expect(sample(shareGpt, doc)).toBeUndefined();
    expect(sample(atifJsonl, doc)).toBe(doc);
  });
});

describe('sharegpt (LLaMA-Factory with tools)', () => {
  it('system first, human/gpt, function_call JSON {name, arguments}, observation; tools as a JSON string; no reasoning', () => {
    expect(sample(shareGpt, episode('e1'))).toEqual({
      conversations: [
        { from: 'system', value: 'You are a helpful agent.' },
        { from: 'human', value: 'Read /tmp/a.txt' },
        { from: 'function_call', value: '{"name":"read","arguments":{"path":"/tmp/a.txt"}}' },
        { from: 'observation', value: 'file contents' },
        { from: 'gpt', value: 'It says: file contents' },
        { from: 'human', value: 'thanks' },
        { from: 'gpt', value: 'You are welcome.' },
      ],
      tools: '[{"name":"read","description":"Read a file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}]',
    });
  });

  it('parallel calls: one function_call turn holding an array, one observation turn holding the results in call order', () => {
    const s = session({ sessionId: 'par' });
    s.runs.push(
      run('r', 'both', [
        call('r', 1, {
          text: '',
          toolCalls: [
            { id: 'c_a', name: 'read', arguments: { path: 'a' } },
            { id: 'c_b', name: 'read', arguments: { path: 'b' } },
          ],
          tools: [tool('c_a', 'read', { arguments: { path: 'a' }, result: 'A' }), tool('c_b', 'read', { arguments: { path: 'b' }, result: 'B' })],
        }),
        call('r', 2, { text: 'done' }),
      ]),
    );
    const rec = sample(shareGpt, build(s))!;
    expect((rec['conversations'] as unknown[]).slice(2)).toEqual([
      { from: 'function_call', value: '[{"name":"read","arguments":{"path":"a"}},{"name":"read","arguments":{"path":"b"}}]' },
      { from: 'observation', value: '["A","B"]' },
      { from: 'gpt', value: 'done' },
    ]);
  });
});

describe('atif-jsonl', () => {
  it('the validated document itself, annotations included', () => {
    const doc = episode('e1', { reward: 1, outcome: 'success' });
    const rec = sample(atifJsonl, doc);
    expect(rec).toEqual(doc);
    expect(validateAtif(JSON.parse(JSON.stringify(rec))).valid).toBe(true);
    expect((rec as unknown as AtifTrajectory).extra?.['annotations']).toEqual({ reward: 1, outcome: 'success' });
  });
});
