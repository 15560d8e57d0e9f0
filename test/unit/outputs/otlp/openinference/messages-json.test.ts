// input.value of an OpenInference LLM span is made from each message's JSON, remembered per
// run and, for the system prompt, while it stays the same: it must be exactly the JSON of the
// whole conversation, whatever came before it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messagesJson, openAiShape } from '../../../../../src/outputs/otlp/openinference/flatten-messages.ts';
import { toJson } from '../../../../../src/outputs/otlp/projection.ts';
import type { ChatMessage } from '../../../../../src/trace/model.ts';

const whole = (messages: readonly ChatMessage[]) => toJson({ messages: messages.map(openAiShape) });

const text = fc.oneof(fc.constantFrom('You are a helper.', 'You are a helper!', 'ok', '→ — ×', ''), fc.string({ maxLength: 6, unit: 'binary' }));
const message: fc.Arbitrary<ChatMessage> = fc.oneof(
  fc.record({ role: fc.constant('system' as const), content: fc.option(text, { nil: undefined }) }),
  fc.record({ role: fc.constant('user' as const), content: fc.option(text, { nil: undefined }) }),
  fc.record({
    role: fc.constant('assistant' as const),
    content: fc.option(text, { nil: undefined }),
    toolCalls: fc.array(fc.record({ id: fc.constantFrom('c1', 'c2'), name: fc.constantFrom('read', 'exec'), arguments: fc.oneof(fc.constant({ path: 'a' }), text) }), { maxLength: 2 }),
  }),
  fc.record({ role: fc.constant('tool' as const), content: fc.option(text, { nil: undefined }), toolCallId: fc.constantFrom('c1', 'c2'), toolName: fc.constantFrom('read', 'exec') }),
);

describe('messagesJson (input.value of an LLM span)', () => {
  it('is the JSON of the whole conversation, call after call, run after run', () => {
    // A run: its calls see growing prefixes of one message list (the same objects, as in a
    // snapshot); runs follow one another and may repeat another run's system prompt text.
    const run = fc.array(message, { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(fc.array(run, { minLength: 1, maxLength: 4 }), (runs) => {
      for (const messages of runs) {
        const runObject = {};
        for (let n = 1; n <= messages.length; n++) {
          const input = messages.slice(0, n);
          expect(messagesJson(runObject, input)).toBe(whole(input));
        }
      }
    }), { numRuns: 2000 });
  });

  it('tells apart system prompts that differ, and the same prompt in a new message object', () => {
    const a: ChatMessage = { role: 'system', content: 'You are Ada.' };
    const b: ChatMessage = { role: 'system', content: 'You are Bob.' };
    const user: ChatMessage = { role: 'user', content: 'hi' };
    expect(messagesJson({}, [a, user])).toBe(whole([a, user]));
    expect(messagesJson({}, [b, user])).toBe(whole([b, user]));
    expect(messagesJson({}, [{ role: 'system', content: 'You are Ada.' }, user])).toBe(whole([a, user]));
    // A user message with the system prompt's text is still a user message.
    expect(messagesJson({}, [{ role: 'user', content: 'You are Ada.' }])).toBe(whole([{ role: 'user', content: 'You are Ada.' }]));
  });
});
