// A delivered run's content released: once every output has had the frozen run (runEnded),
// the engine keeps in the session only its summary. An open session (one /v1/chat/completions
// turn never gets session_end) would otherwise hold every run's conversation, prompts and tool
// payloads until idle expiry. Outputs that need the content later keep the Run they were given
// (the ATIF sink keeps it until the run's steps are serialized).
//
// What stays is what the session's later readers use: ids, times, status, usage, model and
// provider, marks, trace placement, the tool spans' ids and subagent links (a child's session
// span hangs under the spawning tool call), and, only when an output reads them (the
// OpenInference session span's input and output), the session's first prompt and each run's
// final answer: a prompt alone is often larger than the rest of the summary.

import type { LlmCall, Run, ToolSpan } from '../trace/model.ts';
import { sharedText } from '../util/intern.ts';
import { deepFrozenCopy } from './snapshot.ts';

function toolSummary(t: ToolSpan): ToolSpan {
  const { arguments: _a, result: _r, deniedReason: _d, ...rest } = t;
  // Every session calls the same few tools: one string per name for all of them.
  return { ...rest, name: sharedText.get(rest.name) };
}

/** Already deeply frozen parts of the run that the summary keeps as they are. */
function shared(run: Run, seen: Map<object, unknown>): void {
  const keep = (o: object | undefined) => {
    if (o !== undefined) seen.set(o, o);
  };
  keep(run.marks);
  keep(run.reportedUsage);
  keep(run.trace);
  for (const c of run.llmCalls) {
    keep(c.marks);
    keep(c.usage);
    keep(c.output);
    for (const t of c.tools) keep(t.marks);
  }
  for (const t of run.orphanTools) keep(t.marks);
}

function callSummary(c: LlmCall, keepOutput: boolean): LlmCall {
  // Times, model, usage and status: what a session span, a trajectory's totals and a run's
  // place in its session are made of. Transport details are on the run's own spans already.
  const out: LlmCall = { kind: 'llm', spanId: c.spanId, callId: c.callId, index: c.index, runId: c.runId, input: [], status: c.status, tools: c.tools.map(toolSummary), marks: c.marks };
  if (c.model !== undefined) out.model = sharedText.get(c.model);
  if (c.startTime !== undefined) out.startTime = c.startTime;
  if (c.endTime !== undefined) out.endTime = c.endTime;
  if (c.durationMs !== undefined) out.durationMs = c.durationMs;
  if (c.usage !== undefined) out.usage = c.usage;
  if (c.error !== undefined) out.error = c.error;
  if (keepOutput && c.output) out.output = c.output;
  return out;
}

/**
 * The run without its content, deeply frozen, flagged `contentReleased`. `keepPrompt`: this is
 * the session's first run with a prompt and the session span's input is exported;
 * `keepAnswer`: the session span's output is exported (the last call's answer stays).
 */
export function releaseContent(run: Run, keepPrompt: boolean, keepAnswer = true): Run {
  if (run.contentReleased) return run;
  const { prompt, systemPrompt: _s, openclawView: _v, llmCalls, orphanTools, ...rest } = run;
  let last = -1;
  for (let i = llmCalls.length - 1; keepAnswer && i >= 0 && last < 0; i--) if (llmCalls[i]!.output) last = i;
  const summary: Run = {
    ...rest,
    llmCalls: llmCalls.map((c, i) => callSummary(c, i === last)),
    orphanTools: orphanTools.map(toolSummary),
    contentReleased: true,
  };
  if (summary.model !== undefined) summary.model = sharedText.get(summary.model);
  if (summary.provider !== undefined) summary.provider = sharedText.get(summary.provider);
  if (keepPrompt && prompt !== undefined) summary.prompt = prompt;
  // Marks, usage and placements are already frozen: shared, not copied.
  const seen = new Map<object, unknown>();
  shared(run, seen);
  return deepFrozenCopy(summary, seen) as Run;
}
