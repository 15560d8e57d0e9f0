// One observed hook event -> one ATOF 0.1 record (NeMo Relay's Agent Trajectory
// Observability Format, "mark" kind: a point-in-time event with an opaque `data` payload).
//
// A hook is a point in time, not a scope with a start and an end, so every hook becomes a
// mark; `category` tags the kind of work where the hook says it (tool, llm, agent) and is
// absent otherwise (a generic checkpoint, ATOF §3.2, §4.1). `data` holds the payload after the
// capture policy, under a declared `data_schema` so replay (src/replay/) can give the same
// (hook, event, ctx, arrival time) back to the engine. `timestamp` is the arrival time.

import { randomBytes } from 'node:crypto';
import type { CapturePolicy } from '../../trace/capture.ts';
import { captureCtx, captureEvent } from './capture-payload.ts';

export const ATOF_VERSION = '0.1';
/** The `data_schema` of a journaled OpenClaw hook: `data = {hook, event, ctx}`. */
export const HOOK_DATA_SCHEMA = { name: 'openclaw.hook', version: '1' } as const;
export const MARK_PREFIX = 'openclaw.';

export interface AtofMark {
  kind: 'mark';
  atof_version: string;
  uuid: string;
  parent_uuid: string | null;
  timestamp: string;
  name: string;
  category?: string;
  category_profile?: Record<string, unknown> | null;
  data: { hook: string; event: unknown; ctx: unknown };
  data_schema: { name: string; version: string };
  metadata: Record<string, unknown>;
}

const TOOL_HOOKS = new Set(['before_tool_call', 'after_tool_call', 'tool_result_persist']);
const LLM_HOOKS = new Set(['llm_input', 'llm_output', 'model_call_started', 'model_call_ended']);
const AGENT_HOOKS = new Set(['before_agent_reply', 'before_model_resolve', 'agent_turn_prepare', 'before_prompt_build', 'before_agent_run', 'before_agent_finalize', 'agent_end']);

/** Encodes a hook as it arrived; `seq` orders records of one process. Never throws on odd payloads. */
export function encodeHook(policy: CapturePolicy, hook: string, event: unknown, ctx: unknown, at: number, seq: number): AtofMark {
  const e = obj(event);
  const c = obj(ctx);
  const rec: AtofMark = {
    kind: 'mark',
    atof_version: ATOF_VERSION,
    uuid: uuidv7(at),
    parent_uuid: null,
    timestamp: new Date(at).toISOString(),
    name: `${MARK_PREFIX}${hook}`,
    data: { hook, event: captureEvent(policy, hook, event) ?? null, ctx: captureCtx(policy, hook, ctx) ?? null },
    data_schema: { ...HOOK_DATA_SCHEMA },
    metadata: {},
  };
  if (TOOL_HOOKS.has(hook)) {
    rec.category = 'tool';
    const id = str(e.toolCallId) ?? str(c.toolCallId);
    rec.category_profile = id ? { tool_call_id: id } : {};
  } else if (LLM_HOOKS.has(hook)) {
    rec.category = 'llm';
    const model = str(e.model) ?? str(c.modelId);
    rec.category_profile = model ? { model_name: model } : {};
  } else if (AGENT_HOOKS.has(hook)) {
    rec.category = 'agent';
    rec.category_profile = null;
  }
  const trace = obj(c.trace);
  const meta: Record<string, unknown> = {
    seq,
    arrival_ms: at,
    session_key: str(e.sessionKey) ?? str(c.sessionKey),
    session_id: str(e.sessionId) ?? str(c.sessionId),
    run_id: str(e.runId) ?? str(c.runId),
    agent_id: str(c.agentId),
    trace_id: str(trace.traceId),
    span_id: str(trace.spanId),
  };
  for (const [k, v] of Object.entries(meta)) if (v !== undefined) rec.metadata[k] = v;
  return rec;
}

/** RFC 9562 UUIDv7: 48-bit Unix ms, version and variant bits, random rest (time-ordered, as NeMo Relay's). */
export function uuidv7(ms: number): string {
  const b = randomBytes(16);
  const t = BigInt(Math.max(0, Math.floor(ms)));
  for (let i = 0; i < 6; i++) b[i] = Number((t >> BigInt(8 * (5 - i))) & 0xffn);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `replace_dots` (stream sinks): dots in object keys become underscores, recursively; a clash gets `_2`, `_3`, ... */
export function replaceDots(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceDots);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  // Keys without dots keep their names; renamed ones are placed after, in key order.
  for (const k of keys) if (!k.includes('.')) out[k] = replaceDots((value as Record<string, unknown>)[k]);
  for (const k of keys) {
    if (!k.includes('.')) continue;
    const base = k.replaceAll('.', '_');
    let name = base;
    for (let n = 2; name in out; n++) name = `${base}_${n}`;
    out[name] = replaceDots((value as Record<string, unknown>)[k]);
  }
  return out;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
