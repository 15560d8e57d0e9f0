// OpenClaw's W3C trace context from a hook's ctx.trace, and the diagnostics-otel exporter's
// view of it.
//
// OpenClaw 2026.9.6 gives every hook of a run `ctx.trace {traceId, spanId, parentSpanId,
// traceFlags}`; a model call's spanId is the parent-id of the traceparent sent to the
// provider. When its diagnostics-otel exporter is active, that exporter registers a
// "trace propagation bridge" on a process-wide registry (globalThis under
// Symbol.for('openclaw.diagnosticTracePropagation.state.v1')); OpenClaw then formats the
// traceparent from `bridge.resolveTraceContext(ctx.trace)`, i.e. the exporter's own span
// ids, and the ctx ids are exported by nobody. Asking the same bridge gives us those ids, so
// our spans can hang under the exporter's spans instead of reusing ids it does not own.

import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';

import type { TraceIn } from './hooks/types.ts';
import { type FieldProblems, isObj, obj, type Obj, str } from './read.ts';

const BRIDGE_REGISTRY = Symbol.for('openclaw.diagnosticTracePropagation.state.v1');

interface Bridge {
  resolveTraceContext(trace: unknown): unknown;
}

/** The active bridge, as OpenClaw picks it (the last one registered); undefined without diagnostics-otel. */
export function activeTraceBridge(): Bridge | undefined {
  const state = (globalThis as Record<symbol, unknown>)[BRIDGE_REGISTRY];
  if (!isObj(state) || !(state.bridges instanceof Set)) return undefined;
  let active: unknown;
  for (const b of state.bridges) active = b;
  return isObj(active) && typeof active.resolveTraceContext === 'function' ? (active as unknown as Bridge) : undefined;
}

/** ctx.trace, with its ids checked; a malformed context is reported and ignored. */
export function readTrace(ctx: Obj, bad: FieldProblems): TraceIn | undefined {
  const t = obj(ctx, 'trace', bad, 'ctx.trace');
  if (!t) return undefined;
  const traceId = str(t, 'traceId', bad, 'ctx.trace.traceId');
  if (!traceId || !isValidTraceId(traceId)) {
    if (traceId) bad.list.push('ctx.trace.traceId: expected 32 lowercase hex digits, not all zero');
    return undefined;
  }
  return { traceId, ...ids(t, bad, 'ctx.trace') };
}

function ids(t: Obj, bad: FieldProblems, path: string): Omit<TraceIn, 'traceId'> {
  const out: Omit<TraceIn, 'traceId'> = {};
  for (const key of ['spanId', 'parentSpanId'] as const) {
    const v = str(t, key, bad, `${path}.${key}`);
    if (v === undefined) continue;
    if (isValidSpanId(v)) out[key] = v;
    else bad.list.push(`${path}.${key}: expected 16 lowercase hex digits, not all zero`);
  }
  const flags = str(t, 'traceFlags', bad, `${path}.traceFlags`);
  if (flags !== undefined) out.traceFlags = flags;
  return out;
}

/**
 * The diagnostics-otel exporter's view of `trace` (what OpenClaw puts in the provider's
 * traceparent): undefined when no exporter is active, `{}` when it could not resolve the ids.
 */
export function exporterView(trace: TraceIn, bridge = activeTraceBridge()): { trace?: TraceIn } | undefined {
  if (!bridge) return undefined;
  try {
    const resolved = bridge.resolveTraceContext(trace);
    if (!isObj(resolved) || typeof resolved.traceId !== 'string' || !isValidTraceId(resolved.traceId)) return {};
    const spanId = typeof resolved.spanId === 'string' && isValidSpanId(resolved.spanId) ? resolved.spanId : undefined;
    return spanId ? { trace: { traceId: resolved.traceId, spanId } } : {};
  } catch {
    // Another plugin's code: its failure must not reach the hook handler.
    return {};
  }
}

/** Hooks whose trace context places a run or a model call (the rest are not used). */
const PLACING_HOOKS = new Set([
  'agent_turn_prepare',
  'before_prompt_build',
  'before_agent_run',
  'llm_input',
  'model_call_started',
  'model_call_ended',
  'before_agent_finalize',
  'agent_end',
  'llm_output',
]);

/** The trace fields of a hook event: ctx.trace, and the exporter's view when one is active. */
export function traceFields(hook: string, ctx: Obj, bad: FieldProblems): { trace?: TraceIn; exporter?: { trace?: TraceIn } } {
  if (!PLACING_HOOKS.has(hook) || ctx.trace === undefined) return {};
  const trace = readTrace(ctx, bad);
  if (!trace) return {};
  // Only the start of a call is asked: the bridge is another plugin's code, called sparingly.
  const exporter = hook === 'model_call_ended' ? undefined : exporterView(trace);
  return exporter ? { trace, exporter } : { trace };
}
