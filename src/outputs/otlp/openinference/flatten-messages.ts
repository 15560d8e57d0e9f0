// Chat messages as OpenInference's flattened attributes:
//   llm.input_messages.{i}.message.role / .content / .name / .tool_call_id
//   llm.input_messages.{i}.message.tool_calls.{j}.tool_call.{id,function.name,function.arguments}
// Keys are composed from the conventions' constants only. Content the capture policy
// removed is `undefined` in the model and simply absent here; a CAPTURE_STRIPPED marker in
// tool arguments stays that marker.

import { SemanticConventions as SC } from '@arizeai/openinference-semantic-conventions';

import type { ChatMessage, ToolCallRequest } from '../../../trace/model.ts';
import type { AttributeBag } from '../projection.ts';
import { toJson } from '../projection.ts';

/** Tool-call arguments as OpenInference wants them: a JSON string (the marker stays as is). */
export function argumentsJson(args: unknown): string | undefined {
  if (args === undefined) return undefined;
  return typeof args === 'string' ? args : toJson(args);
}

function toolCalls(bag: AttributeBag, prefix: string, calls: readonly ToolCallRequest[]): void {
  calls.forEach((call, j) => {
    const p = `${prefix}${SC.MESSAGE_TOOL_CALLS}.${j}.`;
    bag
      .set(`${p}${SC.TOOL_CALL_ID}`, call.id)
      .set(`${p}${SC.TOOL_CALL_FUNCTION_NAME}`, call.name)
      .set(`${p}${SC.TOOL_CALL_FUNCTION_ARGUMENTS_JSON}`, argumentsJson(call.arguments));
  });
}

/** Writes `messages` under `root` (SC.LLM_INPUT_MESSAGES or SC.LLM_OUTPUT_MESSAGES). */
export function flattenMessages(bag: AttributeBag, root: string, messages: readonly ChatMessage[]): void {
  messages.forEach((message, i) => {
    const prefix = `${root}.${i}.`;
    bag.set(`${prefix}${SC.MESSAGE_ROLE}`, message.role).set(`${prefix}${SC.MESSAGE_CONTENT}`, message.content);
    if (message.role === 'tool') {
      bag.set(`${prefix}${SC.MESSAGE_TOOL_CALL_ID}`, message.toolCallId).set(`${prefix}${SC.MESSAGE_NAME}`, message.toolName);
    }
    if (message.toolCalls && message.toolCalls.length > 0) toolCalls(bag, prefix, message.toolCalls);
  });
}

/** The same messages in the OpenAI chat shape, for `input.value` / `output.value` JSON. */
export function openAiShape(message: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role };
  if (message.content !== undefined) out['content'] = message.content;
  if (message.role === 'tool') {
    if (message.toolCallId !== undefined) out['tool_call_id'] = message.toolCallId;
    if (message.toolName !== undefined) out['name'] = message.toolName;
  }
  if (message.toolCalls && message.toolCalls.length > 0) {
    out['tool_calls'] = message.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: argumentsJson(c.arguments) },
    }));
  }
  return out;
}

// input.value of an LLM span is the whole conversation so far as JSON: every call of a run
// repeats the run's messages, and every run repeats the 40 kB system prompt. Each message's
// JSON is made once per run, the system prompt's once while it stays the same, and the
// span's value is one join of them (JSON.stringify of the whole was 1 GB of the 2,000x3
// drain's allocation). Only the run whose spans are being built is remembered: a run's
// spans are built together, and nothing here outlives the next run.
let memoRun: object | undefined;
const memo = new Map<ChatMessage, string>();
let lastSystem: { content: string; json: string } | undefined;

function messageJson(message: ChatMessage): string {
  const big = message.role === 'system' && typeof message.content === 'string' && !message.toolCalls?.length;
  if (big && lastSystem !== undefined && lastSystem.content === message.content) return lastSystem.json;
  let json = memo.get(message);
  if (json === undefined) {
    json = toJson(openAiShape(message));
    memo.set(message, json);
    if (big) lastSystem = { content: message.content!, json };
  }
  return json;
}

/** `toJson({ messages: messages.map(openAiShape) })`, from each message's JSON made once (`run` scopes the memo). */
export function messagesJson(run: object, messages: readonly ChatMessage[]): string {
  if (run !== memoRun) {
    memo.clear();
    memoRun = run;
  }
  const parts: string[] = ['{"messages":['];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) parts.push(',');
    parts.push(messageJson(messages[i]!));
  }
  parts.push(']}');
  return parts.join('');
}
