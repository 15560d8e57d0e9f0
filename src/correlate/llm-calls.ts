// LLM calls: model_call_started / model_call_ended pair on callId (`<runId>:model:<n>`),
// the exact key of one provider call.

import type { HookEvent } from '../ingest/events.ts';
import type { LlmCall } from '../trace/model.ts';
import type { EngineContext } from './context.ts';
import { applyOutput } from './message-pairing.ts';
import { mark } from './marks.ts';
import type { RunState } from './state.ts';
import { placeCall } from './trace-placement.ts';

export function onModelCall(ctx: EngineContext, rs: RunState, ev: Extract<HookEvent, { type: 'model_call_started' | 'model_call_ended' }>): void {
  let call = rs.calls.get(ev.callId);
  if (ev.type === 'model_call_started') {
    if (call?.startTime !== undefined) return void ctx.counters.duplicates++;
    call ??= newCall(ctx, rs, ev.callId);
    call.startTime = ev.at;
  } else {
    if (call?.endTime !== undefined) return void ctx.counters.duplicates++;
    if (!call) {
      call = newCall(ctx, rs, ev.callId);
      if (ev.durationMs !== undefined) {
        call.startTime = ev.at - ev.durationMs;
        mark(ctx, call.marks, ev.at, 'llm.start_derived', 'warning',
          'model_call_started was not seen; start = model_call_ended arrival - OpenClaw durationMs');
      } else {
        mark(ctx, call.marks, ev.at, 'llm.start_unknown', 'warning', 'model_call_started was not seen and no duration was reported');
      }
    }
    call.endTime = ev.at;
    call.durationMs = ev.durationMs;
    call.outcome = ev.outcome;
    call.timeToFirstByteMs = ev.timeToFirstByteMs;
    call.requestPayloadBytes = ev.requestPayloadBytes;
    call.responseStreamBytes = ev.responseStreamBytes;
    if (ev.outcome && ev.outcome !== 'completed') {
      call.status = 'error';
      call.error ??= ev.error ?? (ev.failureKind ? `model call ${ev.outcome}: ${ev.failureKind}` : `model call ${ev.outcome}`);
    }
  }
  placeCall(ctx, rs, call, ev);
  call.provider ??= ev.provider;
  call.model ??= ev.model;
  call.api ??= ev.api;
  call.transport ??= ev.transport;
  // An assistant message that came before its call's hooks can pair now.
  if (!call.output && rs.pendingOutputs.length > 0 && oldestOpenCall(rs) === call) {
    const pending = rs.pendingOutputs.shift()!;
    applyOutput(ctx, rs, call, pending.message, pending.at);
    mark(ctx, call.marks, ev.at, 'llm.output_before_timing', 'info', 'the assistant message arrived before this call\'s model_call hooks');
  }
}

export function newCall(ctx: EngineContext, rs: RunState, callId: string): LlmCall {
  const n = Number(/:model:(\d+)$/.exec(callId)?.[1]);
  const call: LlmCall = {
    kind: 'llm',
    spanId: ctx.ids.spanId(),
    callId,
    index: Number.isFinite(n) ? n : rs.calls.size + 1,
    runId: rs.run.runId,
    input: [],
    status: 'ok',
    tools: [],
    marks: [],
  };
  rs.calls.set(callId, call);
  rs.run.llmCalls.push(call);
  // Hooks of one run arrive in order; sort only if one came out of order.
  const list = rs.run.llmCalls;
  if (list.length > 1 && list[list.length - 2]!.index > call.index) list.sort((a, b) => a.index - b.index);
  rs.inputCount.set(call, rs.transcript.length);
  ctx.counters.llmSpans++;
  // A new call means the previous answer was not final after all.
  rs.sawFinalAnswer = false;
  if (rs.finalizeAt !== undefined && !rs.agentEnded) {
    rs.finalizeAt = undefined;
    ctx.finalizing.delete(rs);
  }
  return call;
}

/** The assistant message carries no id: it belongs to the oldest call without an output. */
export function oldestOpenCall(rs: RunState): LlmCall | undefined {
  for (const c of rs.run.llmCalls) if (!c.output && c.status !== 'error') return c;
  return undefined;
}
