// Turning a finished run into its exported form: every open end flagged with a mark, the
// per-call input conversations assembled, the capture policy applied once, and the run's
// usage reconciled against OpenClaw's own total. Runs off the hook path (grace timer).

import type { MessageIn } from '../ingest/events.ts';
import type { CapturePolicy, ContentKind } from '../trace/capture.ts';
import type { ChatMessage, LlmCall, Mark, MarkSeverity, ToolCallRequest, ToolSpan } from '../trace/model.ts';
import { historyToChat, resultText, toChatMessage } from '../correlate/messages.ts';
import type { RunState } from '../correlate/state.ts';
import { sumUsage, usageDiff } from '../trace/usage.ts';
import { applyProviderView } from './provider-view.ts';
import { ConversationHash, splitFlattened, unwrap } from './flattened-history.ts';
import { internText, internTools } from './intern.ts';
import { toolDefinitions } from './tool-definitions.ts';
import { textKey } from '../util/text-key.ts';

export type MarkFn = (
  list: Mark[],
  time: number,
  name: string,
  severity: MarkSeverity,
  message: string,
  attributes?: Mark['attributes'],
) => void;

export function finalizeRun(rs: RunState, at: number, capture: CapturePolicy, mark: MarkFn): void {
  const run = rs.run;

  for (const tool of rs.pendingTools) {
    mark(tool.marks, at, 'tool.no_owner', 'warning', 'no assistant message of this run asked for this tool call');
    run.orphanTools.push(tool);
  }
  rs.pendingTools.length = 0;

  let lastSeen = run.startTime ?? at;
  for (const call of run.llmCalls) {
    // Another plugin's call: OpenClaw shows its usage and duration only; nothing is missing.
    if (call.pluginOriginated === true) continue;
    if (call.endTime === undefined && call.status !== 'error') {
      call.status = 'incomplete';
      mark(call.marks, at, 'llm.unfinished', 'warning', 'model_call_ended was not seen');
    }
    if (!call.output && call.status === 'ok') {
      call.status = 'incomplete';
      mark(call.marks, at, 'llm.no_output', 'warning', 'no assistant message was written for this call');
    }
    if (call.startTime === undefined && call.endTime === undefined) {
      mark(call.marks, at, 'llm.no_timing', 'warning', 'no model_call hook was seen for this assistant message; it has no timing');
    }
    lastSeen = Math.max(lastSeen, call.endTime ?? call.startTime ?? 0);
    for (const tool of call.tools) lastSeen = Math.max(lastSeen, closeTool(tool, at, capture, mark));
  }
  for (const tool of run.orphanTools) lastSeen = Math.max(lastSeen, closeTool(tool, at, capture, mark));

  if (run.endTime === undefined) {
    run.endTime = lastSeen;
    if (rs.sawFinalAnswer && !run.sawLlmInput) {
      mark(run.marks, at, 'run.end_inferred', 'info',
        'agent_end was not delivered (hooks.allowConversationAccess off?); run end = its last observed event');
    } else {
      run.status = 'incomplete';
      mark(run.marks, at, 'run.unfinished', 'warning', 'agent_end was not seen; run end = its last observed event');
    }
  }
  if (run.success === false && !run.error) run.error = 'the agent run failed';
  if (run.error) run.error = capture.clean(run.error);

  // Prompt of the run: llm_input's prompt, else the user message OpenClaw wrote.
  const rawPrompt = run.prompt ?? (rs.userMessage ? toChatMessage(rs.userMessage).content : undefined);
  // The model saw the whole prompt (call inputs below); the trajectory records a flattened
  // history it already holds only once.
  const sentPrompt = capture.text(rawPrompt, 'prompt');
  run.prompt = capture.text(recordedPrompt(rs, rawPrompt, at, mark), 'prompt');
  run.systemPrompt = internText(run.systemPrompt);
  const sent = rs.session.toolsSent;
  if (sent) {
    rs.session.session.tools = toolDefinitions(sent);
    rs.session.toolsSent = undefined;
  }
  internTools(rs.session.session);
  const rawSystem = run.systemPrompt;
  const s = rs.session;
  const systemKey = textKey(rawSystem);
  if (rawSystem !== undefined && systemKey === s.systemKey) run.systemPrompt = s.systemSame ? rawSystem : s.systemCaptured;
  else {
    run.systemPrompt = internText(capture.text(rawSystem, 'prompt'));
    s.systemKey = systemKey;
    // Usually the scrub changed nothing: then the session holds no copy of the text at all.
    s.systemSame = run.systemPrompt !== undefined && run.systemPrompt === rawSystem;
    s.systemCaptured = s.systemSame ? undefined : run.systemPrompt;
  }

  const base: ChatMessage[] = [];
  if (rawSystem !== undefined) base.push({ role: 'system', content: run.systemPrompt });
  for (const h of rs.history ?? []) {
    const m = historyToChat(h);
    if (m) base.push(captureMessage(m, capture, 'prompt'));
  }
  if (rawPrompt !== undefined) base.push({ role: 'user', content: sentPrompt });

  // Each transcript message is converted once and shared by the inputs of later calls.
  const converted = new Map<MessageIn, ChatMessage>();
  const convert = (m: MessageIn) => {
    let c = converted.get(m);
    if (!c) converted.set(m, (c = captureMessage(toChatMessage(m), capture, 'prompt')));
    return c;
  };
  for (const call of run.llmCalls) {
    const n = rs.inputCount.get(call) ?? 0;
    call.input = n === 0 ? base : base.concat(rs.transcript.slice(0, n).map(convert));
    captureOutput(call, capture);
    if (call.error) call.error = capture.clean(call.error);
  }

  // The text the model saw; OpenClaw's own view stays where it differs.
  const seen = applyProviderView(rs, { systemPrompt: rawSystem, prompt: rawPrompt }, at, capture, mark);
  const openclawView: NonNullable<typeof run.openclawView> = {};
  if (seen.systemPrompt !== undefined && seen.systemPrompt !== rawSystem) {
    openclawView.systemPrompt = run.systemPrompt;
    run.systemPrompt = seen.capturedSystemPrompt;
  }
  // A prompt cut to its new message (history already recorded) stays cut: the call inputs
  // carry what the model saw in full.
  const historyCut = run.prompt !== sentPrompt;
  if (!historyCut && seen.prompt !== undefined && seen.prompt !== rawPrompt) {
    openclawView.prompt = run.prompt;
    run.prompt = seen.capturedPrompt;
  }
  if (openclawView.systemPrompt !== undefined || openclawView.prompt !== undefined) run.openclawView = openclawView;

  reconcileUsage(rs, at, mark);
  rememberTurn(rs, rawPrompt);
}

/** The prompt to record: a flattened history this session already recorded is cut off (with a mark). */
function recordedPrompt(rs: RunState, raw: string | undefined, at: number, mark: MarkFn): string | undefined {
  if (raw === undefined) return raw;
  const flat = splitFlattened(raw);
  if (!flat) return raw;
  const conv = (rs.session.conversation ??= new ConversationHash());
  if (!conv.matches(flat.history)) {
    conv.resetTo(flat.history);
    return raw;
  }
  mark(rs.run.marks, at, 'prompt.history_recorded', 'info', 'the prompt repeats this session\'s earlier turns (flattened by /v1/chat/completions); only its new message is recorded', {
    'nemo_relay.prompt.history_chars': raw.length - flat.envelope.length - flat.current.length,
  });
  return flat.envelope + flat.current;
}

/** Adds this run's turn to the session's conversation hash (what the client sends back next time). */
function rememberTurn(rs: RunState, raw: string | undefined): void {
  const flat = raw === undefined ? undefined : splitFlattened(raw);
  const user = flat ? flat.current : unwrap(raw ?? '').body;
  const calls = rs.run.llmCalls;
  let answer: ChatMessage | undefined;
  for (let i = calls.length - 1; i >= 0 && !answer; i--) if (typeof calls[i]!.output?.content === 'string' && calls[i]!.output!.content !== '') answer = calls[i]!.output;
  (rs.session.conversation ??= new ConversationHash()).turn(user, answer);
}

/** Closes a tool's open ends and applies the capture policy; returns its last known time. */
function closeTool(tool: ToolSpan, at: number, capture: CapturePolicy, mark: MarkFn): number {
  if (tool.endTime === undefined) {
    tool.status = tool.status === 'error' ? 'error' : 'incomplete';
    mark(tool.marks, at, 'tool.unfinished', 'warning', 'after_tool_call was not seen');
  }
  tool.arguments = capture.value(tool.arguments, 'toolArgs');
  tool.result = capture.text(resultText(tool.result), 'toolResult');
  if (tool.error) tool.error = capture.clean(tool.error);
  return tool.endTime ?? tool.startTime ?? 0;
}

function captureMessage(m: ChatMessage, capture: CapturePolicy, kind: ContentKind): ChatMessage {
  const out: ChatMessage = {
    ...m,
    content: capture.text(m.content, m.role === 'tool' ? 'toolResult' : kind),
  };
  if (m.toolCalls) out.toolCalls = m.toolCalls.map((tc) => captureToolCall(tc, capture));
  return out;
}

function captureToolCall(tc: ToolCallRequest, capture: CapturePolicy): ToolCallRequest {
  return { id: tc.id, name: tc.name, arguments: capture.value(tc.arguments, 'toolArgs') };
}

function captureOutput(call: LlmCall, capture: CapturePolicy): void {
  if (call.output) {
    call.output = {
      ...call.output,
      content: capture.text(call.output.content, 'response'),
      ...(call.output.toolCalls ? { toolCalls: call.output.toolCalls.map((tc) => captureToolCall(tc, capture)) } : {}),
    };
  }
  if (call.reasoning !== undefined) call.reasoning = capture.text(call.reasoning, 'response');
}

function reconcileUsage(rs: RunState, at: number, mark: MarkFn): void {
  const run = rs.run;
  const reported = run.reportedUsage;
  if (!reported) return;
  const calls = run.llmCalls;
  const missing = calls.filter((c) => !c.usage);
  if (calls.length === 1 && missing.length === 1) {
    // One call, so the run total IS that call's usage: exact, not a guess.
    calls[0]!.usage = { ...reported };
    mark(calls[0]!.marks, at, 'usage.from_run_total', 'info', 'usage taken from llm_output (the run has a single model call)');
    return;
  }
  if (missing.length > 0) {
    mark(run.marks, at, 'usage.incomplete', 'warning',
      `${missing.length} of ${calls.length} model calls have no per-call usage; the run total is in reportedUsage`);
    return;
  }
  const diff = usageDiff(sumUsage(calls), reported);
  if (diff.length > 0) {
    mark(run.marks, at, 'usage.mismatch', 'warning', `per-call usage does not add up to llm_output's run total: ${diff.join(', ')}`);
  }
}
