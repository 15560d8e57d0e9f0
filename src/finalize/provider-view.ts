// Each call's input as the provider received it, decided when the run is finalized (on the
// lane): the body a provider of ours saw in onPayload (exact), else the rebuild of OpenClaw's
// send-side steps, exact only when its byte length matches requestPayloadBytes.

import { isObj } from '../ingest/read.ts';
import type { CapturePolicy } from '../trace/capture.ts';
import type { ChatMessage, LlmCall, ToolCallRequest } from '../trace/model.ts';
import type { RunState } from '../correlate/state.ts';
import { RebuildMemo, proveLength, rebuildOpenAiCompletions } from './provider-request.ts';
import type { MarkFn } from './finalize-run.ts';

/** The provider's text of the run's system prompt and prompt (raw, and captured). */
export interface SeenText {
  systemPrompt?: string;
  prompt?: string;
  capturedSystemPrompt?: string;
  capturedPrompt?: string;
}

export interface RawRunView {
  systemPrompt: string | undefined;
  prompt: string | undefined;
}

/**
 * Replaces each call's hook-view input with the provider's view where one is known, keeps
 * the hook view in `openclawInput` where they differ, and returns the provider's text of the
 * run's system prompt and prompt (first call), for the run's own fields.
 */
export function applyProviderView(
  rs: RunState,
  raw: RawRunView,
  at: number,
  capture: CapturePolicy,
  mark: MarkFn,
): SeenText {
  // Keyed by the text itself, one map per kind: a composite key would copy a 40 kB prompt per lookup.
  const cache = { prompt: new Map<string, string | undefined>(), toolResult: new Map<string, string | undefined>() };
  const text = (value: string | undefined, kind: 'prompt' | 'toolResult') => {
    if (value === undefined) return undefined;
    const seen = cache[kind];
    if (seen.has(value)) return seen.get(value);
    const captured = capture.text(value, kind);
    seen.set(value, captured);
    return captured;
  };
  const memo = new RebuildMemo();
  let firstView: SeenText | undefined;
  for (const call of rs.run.llmCalls) {
    if (call.pluginOriginated === true) continue; // no content exists for another plugin's call
    let view: { body: unknown; exact: boolean } | undefined;
    try {
      view = providerBody(rs, call, raw, at, mark, memo);
    } catch (err) {
      // Untrusted content (a BigInt in tool arguments, a cycle) cannot be a JSON body: say so.
      call.inputFidelity = 'reconstructed';
      mark(call.marks, at, 'llm.input_reconstructed', 'warning',
        `input is OpenClaw's hook view: the request could not be rebuilt (${err instanceof Error ? err.message.slice(0, 120) : 'unserializable content'})`);
      continue;
    }
    if (!view) continue;
    const messages = bodyMessages(view.body);
    if (!messages) continue;
    const hookView = call.input;
    call.input = messages.map((m) => captureChat(m, capture, text));
    call.inputFidelity = view.exact ? 'exact' : 'reconstructed';
    const tools = bodyToolNames(view.body);
    if (tools) call.requestTools = tools;
    if (!sameConversation(hookView, call.input)) call.openclawInput = hookView;
    if (!firstView) {
      const system = messages[0]?.role === 'system' ? messages[0].content : undefined;
      const prompt = raw.prompt === undefined ? undefined : messages.find((m) => m.role === 'user' && m.content?.startsWith(raw.prompt!))?.content;
      // Captured through the same cache as the call inputs: a 40 kB system prompt is scanned once.
      firstView = {
        ...(system !== undefined ? { systemPrompt: system, capturedSystemPrompt: text(system, 'prompt') } : {}),
        ...(prompt !== undefined ? { prompt, capturedPrompt: text(prompt, 'prompt') } : {}),
      };
    }
  }
  return firstView ?? {};
}

function providerBody(rs: RunState, call: LlmCall, raw: RawRunView, at: number, mark: MarkFn, memo: RebuildMemo): { body: unknown; exact: boolean } | undefined {
  const sent = rs.requestBodies?.get(call.callId);
  if (sent !== undefined) {
    call.inputProof = 'the final request body, from the provider\'s own onPayload';
    return { body: sent, exact: true };
  }
  if (!rs.run.sawLlmInput) {
    mark(call.marks, at, 'llm.input_reconstructed', 'warning', 'input is OpenClaw\'s hook view: llm_input was not seen, so the provider request cannot be rebuilt');
    call.inputFidelity = 'reconstructed';
    return undefined;
  }
  const api = call.api ?? rs.run.llmCalls.find((c) => c.api)?.api;
  if (api !== undefined && api !== 'openai-completions') {
    mark(call.marks, at, 'llm.input_reconstructed', 'warning', `input is OpenClaw's hook view: no rebuild of the ${api} request body`);
    call.inputFidelity = 'reconstructed';
    return undefined;
  }
  const rebuilt = rebuildOpenAiCompletions({
    model: call.model ?? rs.run.model,
    systemPrompt: raw.systemPrompt,
    history: rs.history ?? [],
    prompt: raw.prompt,
    transcript: rs.transcript.slice(0, rs.inputCount.get(call) ?? 0),
    tools: rs.session.session.tools,
  }, memo);
  const proof = proveLength(rebuilt.body, call.requestPayloadBytes, memo);
  const exact = proof.exact && rebuilt.unprovable === undefined;
  if (!exact) {
    mark(call.marks, at, 'llm.input_reconstructed', 'warning', `input rebuilt from OpenClaw's send-side steps but not proven: ${rebuilt.unprovable ?? proof.reason}`, {
      rebuiltBytes: proof.rebuiltBytes,
      ...(call.requestPayloadBytes !== undefined ? { requestPayloadBytes: call.requestPayloadBytes } : {}),
    });
  } else {
    call.inputProof = `rebuilt from OpenClaw's send-side steps; UTF-8 length equals requestPayloadBytes (${call.requestPayloadBytes})` +
      (proof.inferred.length > 0 ? `; envelope fields no hook shows, settled by the length: ${proof.inferred.join(', ')}` : '');
  }
  return { body: rebuilt.body, exact };
}

/** OpenAI chat messages -> the trace's shape (raw, before the capture policy). */
function bodyMessages(body: unknown): ChatMessage[] | undefined {
  if (!isObj(body) || !Array.isArray(body.messages)) return undefined;
  const out: ChatMessage[] = [];
  for (const m of body.messages) {
    if (!isObj(m) || typeof m.role !== 'string') continue;
    const role = m.role === 'system' || m.role === 'developer' ? 'system' : m.role === 'assistant' ? 'assistant' : m.role === 'tool' ? 'tool' : 'user';
    const msg: ChatMessage = { role, content: contentText(m.content) };
    if (Array.isArray(m.tool_calls)) {
      const calls: ToolCallRequest[] = [];
      for (const tc of m.tool_calls) {
        if (!isObj(tc) || !isObj(tc.function) || typeof tc.id !== 'string' || typeof tc.function.name !== 'string') continue;
        calls.push({ id: tc.id, name: tc.function.name, arguments: parseArgs(tc.function.arguments) });
      }
      if (calls.length > 0) msg.toolCalls = calls;
    }
    if (typeof m.tool_call_id === 'string') msg.toolCallId = m.tool_call_id;
    out.push(msg);
  }
  return out;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (isObj(p) && typeof p.text === 'string' ? p.text : isObj(p) && p.type === 'image_url' ? '[image]' : '')).join('');
}

function parseArgs(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? {};
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function bodyToolNames(body: unknown): string[] | undefined {
  if (!isObj(body) || !Array.isArray(body.tools)) return undefined;
  const names: string[] = [];
  for (const t of body.tools) {
    const name = isObj(t) && isObj(t.function) && typeof t.function.name === 'string' ? t.function.name : isObj(t) && typeof t.name === 'string' ? t.name : undefined;
    if (name !== undefined) names.push(name);
  }
  return names;
}

function captureChat(
  m: ChatMessage,
  capture: CapturePolicy,
  text: (value: string | undefined, kind: 'prompt' | 'toolResult') => string | undefined,
): ChatMessage {
  const out: ChatMessage = { ...m, content: text(m.content, m.role === 'tool' ? 'toolResult' : 'prompt') };
  if (m.toolCalls) out.toolCalls = m.toolCalls.map((tc) => ({ id: tc.id, name: tc.name, arguments: capture.value(tc.arguments, 'toolArgs') }));
  return out;
}

function sameConversation(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.role !== y.role || x.content !== y.content || x.toolCallId !== y.toolCallId) return false;
    if ((x.toolCalls?.map((t) => t.id).join() ?? '') !== (y.toolCalls?.map((t) => t.id).join() ?? '')) return false;
  }
  return true;
}
