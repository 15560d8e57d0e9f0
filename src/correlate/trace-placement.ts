// Per-run trace mode (correlation.traceMode "per_run", the default): runs and model calls
// take their place in the W3C trace OpenClaw propagates, so that the traceparent OpenClaw
// sends to the provider points at our LLM span and an LLM server continuing it records its
// spans under that span.
//
// - A model call's span id is its model_call_started ctx.trace.spanId (the traceparent's
//   parent-id), its trace id the run's.
// - A run's span id is its own ctx.trace.spanId; its parent is another run of ours whose span
//   OpenClaw names as parent (a subagent's run under the spawning run, an announce run),
//   never an id only OpenClaw's memory holds (a backend shows those as broken traces).
// - With OpenClaw's diagnostics-otel exporter active the ctx ids are that exporter's input,
//   not its output: we keep our own span ids and hang under the exporter's spans instead.

import type { HookEvent } from '../ingest/events.ts';
import type { LlmCall, TracePlacement } from '../trace/model.ts';
import type { EngineContext } from './context.ts';
import type { RunState } from './state.ts';

type Traced = Pick<HookEvent, 'trace' | 'exporter'>;

export function placeRun(ctx: EngineContext, rs: RunState, ev: Traced): void {
  const t = ev.trace;
  if (ctx.cfg.traceMode !== 'per_run' || !t || rs.placed === 'run') return;
  rs.placed = 'run';
  const run = rs.run;
  const p: TracePlacement = { traceId: t.traceId, ...openclawIds(t) };
  if (ev.exporter) {
    const ex = ev.exporter.trace;
    if (ex?.spanId) Object.assign(p, { traceId: ex.traceId, parentSpanId: ex.spanId, parentIsExternal: true });
  } else {
    if (t.spanId && !ctx.runIndex.runWithSpan(ctx, t.spanId, rs)) {
      run.spanId = t.spanId;
      ctx.runIndex.add(ctx, rs);
    }
    const parent = t.parentSpanId ? ctx.runIndex.runWithSpan(ctx, t.parentSpanId, rs) : undefined;
    if (parent?.run.trace?.traceId === t.traceId && !parent.run.trace.parentIsExternal) p.parentSpanId = parent.run.spanId;
  }
  run.trace = p;
}

export function placeCall(ctx: EngineContext, rs: RunState, call: LlmCall, ev: Traced): void {
  const t = ev.trace;
  if (ctx.cfg.traceMode !== 'per_run' || !t || call.trace) return;
  const ex = ev.exporter;
  if (ex) {
    call.trace = ex.trace?.spanId
      ? { traceId: ex.trace.traceId, parentSpanId: ex.trace.spanId, parentIsExternal: true, ...openclawIds(t) }
      : { traceId: t.traceId, ...openclawIds(t) };
  } else {
    if (t.spanId) call.spanId = t.spanId;
    call.trace = { traceId: t.traceId, ...openclawIds(t) };
  }
  // Without conversation access the run hooks (and their context) never arrive: the run
  // joins its calls' trace as a root span there, until a run hook says better.
  if (!rs.placed) {
    rs.placed = 'call';
    rs.run.trace = { traceId: call.trace.traceId };
  }
}

function openclawIds(t: NonNullable<HookEvent['trace']>): Pick<TracePlacement, 'openclawSpanId' | 'openclawParentSpanId'> {
  return {
    ...(t.spanId ? { openclawSpanId: t.spanId } : {}),
    ...(t.parentSpanId ? { openclawParentSpanId: t.parentSpanId } : {}),
  };
}

