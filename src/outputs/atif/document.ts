// The shape of one trajectory document, shared by the pure builder (trajectory.ts, objects)
// and the incremental writer (render.ts, cached serialized steps): which runs and marks make
// which steps in which order, the ids, agent, final_metrics, embedded children and extra.
// Generic over the step representation S so both produce the same document by construction.

import type { Mark, Run, Session, ToolSpan } from '../../trace/model.ts';
import { addTotals, emptyTotals } from './agent-step.ts';
import type { ChildResolver, StepTotals } from './agent-step.ts';
import { compactionsByRun, interleave, splitMarks } from './mark-steps.ts';
import { runTime } from './run-steps.ts';
import { ATIF_SCHEMA_VERSION } from './types.ts';
import type { AtifAgent, AtifFinalMetrics, AtifMeta, AtifStepBody, AtifSubagentRef, AtifToolDefinition, JsonObject } from './types.ts';
import { compact, isPlainObject, isoTime, jsonSafe, markJson, nonEmpty } from './values.ts';
import { lruGet, lruInsert } from '../../util/lru.ts';

export interface Block<S> {
  steps: S[];
  totals: StepTotals;
  /** textKey of the system prompt in force after the run. */
  systemPrompt: string | undefined;
}

export interface StepSource<S> {
  /** Which runs belong in this version of the document (checkpoints: runs that ended). */
  includeRun(session: Session, run: Run): boolean;
  /** `sessionMarks`: session-level compaction marks that name this run (placed inside it). */
  runBlock(session: Session, run: Run, prevSystemPrompt: string | undefined, resolve: ChildLinks, sessionMarks: readonly Mark[]): Block<S>;
  markStep(session: Session, step: AtifStepBody): S;
}

export interface DocHead {
  schema_version: string;
  session_id?: string;
  trajectory_id: string;
  agent: AtifAgent;
}

export interface DocPlan<S> {
  session: Session;
  head: DocHead;
  steps: S[];
  final_metrics: AtifFinalMetrics;
  children: DocPlan<S>[];
  extra: JsonObject | undefined;
}

/** Resolves a spawning tool call to the embedded child it started. */
export interface ChildLinks {
  resolve: ChildResolver;
  /** The child session a tool call spawned, embedded or not (a cache dependency). */
  linked(tool: ToolSpan): Session | undefined;
}

function segmentOf(session: Session): number {
  const seg = (session as { segment?: unknown }).segment;
  return typeof seg === 'number' && Number.isInteger(seg) && seg > 1 ? seg : 1;
}

/** Run-scoped id: OpenClaw's sessionId, else the session key (shared by a key's segments). */
export function sessionIdOf(session: Session): string {
  return nonEmpty(session.sessionId) ?? nonEmpty(session.sessionKey) ?? session.spanId;
}

/** Document id: the session id, plus the segment when a key came back after its session closed. */
export function trajectoryIdOf(session: Session): string {
  const seg = segmentOf(session);
  return seg > 1 ? `${sessionIdOf(session)}#${seg}` : sessionIdOf(session);
}

// The engine keeps one tools array per session until the tool list changes, so its identity
// is a cache key: tens of kB of schemas are made JSON-safe once, not at every checkpoint.
const toolDefinitionCache = new WeakMap<object, AtifToolDefinition[] | undefined>();
// And sessions of one agent have the same tools: an agent with 50 tools carries ~230 kB of
// schemas, which thousands of open sessions would each hold a copy of. Equal lists (by their
// JSON) share one definitions array, so its serialized form is shared too (render.ts).
const SHARED_TOOL_SETS = 64;
const toolSets = new Map<string, AtifToolDefinition[] | undefined>();

function toolDefinitions(session: Session): AtifToolDefinition[] | undefined {
  const key = Array.isArray(session.tools) ? session.tools : undefined;
  if (key && toolDefinitionCache.has(key)) return toolDefinitionCache.get(key);
  let content: string | undefined;
  try {
    content = JSON.stringify(key ?? null);
  } catch {
    content = undefined; // a cycle or a BigInt: jsonSafe below copes, sharing does not
  }
  let defs: AtifToolDefinition[] | undefined;
  if (content !== undefined && toolSets.has(content)) {
    defs = lruGet(toolSets, content);
  } else {
    defs = buildToolDefinitions(session);
    if (content !== undefined) lruInsert(toolSets, content, defs, SHARED_TOOL_SETS);
  }
  if (key) toolDefinitionCache.set(key, defs);
  return defs;
}

function buildToolDefinitions(session: Session): AtifToolDefinition[] | undefined {
  const out: AtifToolDefinition[] = [];
  const seen = new Set<string>();
  for (const t of Array.isArray(session.tools) ? session.tools : []) {
    const name = nonEmpty(t?.name);
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const fn: AtifToolDefinition['function'] = { name };
    const description = nonEmpty(t.description);
    if (description) fn.description = description;
    if (isPlainObject(t.parameters)) fn.parameters = jsonSafe(t.parameters) as JsonObject;
    out.push({ type: 'function', function: fn });
  }
  return out.length > 0 ? out : undefined;
}

function modelOf(session: Session): string | undefined {
  if (nonEmpty(session.model)) return session.model;
  for (let i = session.runs.length - 1; i >= 0; i--) {
    const run = session.runs[i]!;
    const m = nonEmpty(run.model) ?? nonEmpty(run.llmCalls[run.llmCalls.length - 1]?.model);
    if (m) return m;
  }
  return undefined;
}

function headOf(session: Session, meta: AtifMeta, trajectoryId: string): DocHead {
  const agent: AtifAgent = { name: meta.agentName, version: meta.openclawVersion };
  const model = modelOf(session);
  if (model) agent.model_name = model;
  const tools = toolDefinitions(session);
  if (tools) agent.tool_definitions = tools;
  const agentExtra = compact({ provider: nonEmpty(session.provider), agent_id: nonEmpty(session.agentId) });
  if (agentExtra) agent.extra = agentExtra;
  return { schema_version: ATIF_SCHEMA_VERSION, session_id: sessionIdOf(session), trajectory_id: trajectoryId, agent };
}

function extraOf(session: Session, meta: AtifMeta, marks: Mark[], isRoot: boolean): JsonObject | undefined {
  return compact({
    exporter: isRoot ? { name: 'nemo-relay', version: meta.pluginVersion } : undefined,
    openclaw: compact({
      session_key: nonEmpty(session.sessionKey),
      session_id: nonEmpty(session.sessionId),
      agent_id: nonEmpty(session.agentId),
      segment: segmentOf(session) > 1 ? segmentOf(session) : undefined,
      opened_by: nonEmpty(session.openedBy),
      started_at: isoTime(session.startTime),
      ended_at: isoTime(session.endTime),
      end_reason: nonEmpty(session.endReason),
      parent_session_key: nonEmpty(session.parent?.sessionKey),
      parent_run_id: nonEmpty(session.parent?.runId),
      parent_tool_call_id: nonEmpty(session.parent?.toolCallId),
    }),
    // Session-level diagnostics (usage mismatch, unpaired records, ...): nothing is dropped.
    marks: marks.map(markJson),
    ...(isRoot ? meta.rootExtra?.(session) : undefined),
  });
}

function finalMetricsOf(totals: StepTotals, stepCount: number, childCount: number): AtifFinalMetrics {
  const fm: AtifFinalMetrics = {
    total_prompt_tokens: totals.prompt,
    total_completion_tokens: totals.completion,
    total_cached_tokens: totals.cached,
    // Left out, not 0, when OpenClaw priced none of the calls.
    ...(totals.costKnown ? { total_cost_usd: totals.cost } : {}),
    total_steps: stepCount,
    extra: {
      total_cache_write_tokens: totals.cacheWrite,
      llm_calls: totals.llmCalls,
      tool_calls: totals.toolCalls,
      failed_tool_calls: totals.failedTools,
      subagent_trajectories: childCount,
    },
  };
  return fm;
}

function childLinks(session: Session, embedded: Map<Session, string>): ChildLinks {
  const byKey = new Map<string, Session>();
  const byToolCall = new Map<string, Session>();
  for (const c of session.children) {
    if (!byKey.has(c.sessionKey)) byKey.set(c.sessionKey, c);
    const tc = c.parent?.toolCallId;
    if (typeof tc === 'string' && !byToolCall.has(tc)) byToolCall.set(tc, c);
  }
  const linked = (tool: ToolSpan): Session | undefined =>
    (typeof tool.childSessionKey === 'string' ? byKey.get(tool.childSessionKey) : undefined) ?? byToolCall.get(tool.toolCallId);
  const resolve = (tool: ToolSpan): AtifSubagentRef | undefined => {
    const child = linked(tool);
    const id = child ? embedded.get(child) : undefined;
    if (!child || id === undefined) return undefined;
    const ref: AtifSubagentRef = { trajectory_id: id };
    if (nonEmpty(child.sessionId)) ref.session_id = child.sessionId;
    return ref;
  };
  return { resolve, linked };
}

/**
 * Plans the document for `session` (children embedded recursively), or undefined when it has
 * no step: ATIF requires at least one, so a quiet session writes nothing.
 */
export function planDocument<S>(session: Session, meta: AtifMeta, src: StepSource<S>, trajectoryId = trajectoryIdOf(session), depth = 0): DocPlan<S> | undefined {
  // Children first: a parent can only point at a child that is really embedded.
  const children: DocPlan<S>[] = [];
  const embedded = new Map<Session, string>();
  const used = new Set<string>();
  if (depth < 16) {
    for (const child of session.children) {
      if (embedded.has(child) || child === session) continue;
      // trajectory_id must be unique within one subagent_trajectories array.
      let id = trajectoryIdOf(child);
      for (let n = 2; used.has(id); n++) id = `${trajectoryIdOf(child)}~${n}`;
      const plan = planDocument(child, meta, src, id, depth + 1);
      if (!plan) continue;
      used.add(id);
      embedded.set(child, id);
      children.push(plan);
    }
  }
  const links = childLinks(session, embedded);

  const runs = session.runs.filter((run) => src.includeRun(session, run));
  const perRun = compactionsByRun(session.marks, new Set(runs.map((r) => r.runId)));
  const totals = emptyTotals();
  const blocks: Block<S>[] = [];
  let prev: string | undefined;
  for (const run of runs) {
    const block = src.runBlock(session, run, prev, links, perRun.byRun.get(run.runId) ?? []);
    prev = block.systemPrompt;
    addTotals(totals, block.totals);
    blocks.push(block);
  }

  const marks = splitMarks(perRun.rest);
  const steps: S[] = [];
  const indexed = blocks.map((b, i) => ({ b, t: runTime(runs[i]!) }));
  interleave(indexed, (x) => x.t, marks.steps, (item) => {
    if ('mark' in item) steps.push(src.markStep(session, item.mark));
    else for (const s of item.anchor.b.steps) steps.push(s);
  });
  if (steps.length === 0) {
    if (children.length === 0) return undefined;
    // Only its subagents did anything (e.g. its own runs went out with an earlier segment of
    // the key): ATIF wants a step, and dropping the document would drop the children with it.
    steps.push(src.markStep(session, { source: 'system', message: 'No steps of this session were observed; its subagent trajectories follow.', extra: { subagents_only: true } }));
  }

  return {
    session,
    head: headOf(session, meta, trajectoryId),
    steps,
    final_metrics: finalMetricsOf(totals, steps.length, children.length),
    children,
    extra: extraOf(session, meta, marks.other, depth === 0),
  };
}
