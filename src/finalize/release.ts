// A delivered run's content released: once every output has had the frozen run (runEnded),
// the engine keeps in the session only its summary. An open session (one /v1/chat/completions
// turn never gets session_end) would otherwise hold every run's conversation, prompts and tool
// payloads until idle expiry. Outputs that need the content later keep the Run they were given
// (the ATIF sink keeps it until the run's steps are serialized).
//
// What stays is what the session's later readers use: ids, times, status, usage, model and
// provider, marks, trace placement, the tool spans' ids and subagent links (a child's session
// span hangs under the spawning tool call), the session's first prompt and each run's final
// answer (the OpenInference session span's input and output).

import type { LlmCall, Run, ToolSpan } from '../trace/model.ts';
import { deepFrozenCopy } from './snapshot.ts';

function toolSummary(t: ToolSpan): ToolSpan {
  const { arguments: _a, result: _r, deniedReason: _d, ...rest } = t;
  return rest;
}

function callSummary(c: LlmCall, keepOutput: boolean): LlmCall {
  const { input: _i, openclawInput: _o, reasoning: _r, requestTools: _t, inputProof: _p, output, tools, ...rest } = c;
  const out: LlmCall = { ...rest, input: [], tools: tools.map(toolSummary) };
  if (keepOutput && output) out.output = output;
  return out;
}

/**
 * The run without its content, deeply frozen, flagged `contentReleased`. `keepPrompt`: this is
 * the session's first run with a prompt (the session span's input).
 */
export function releaseContent(run: Run, keepPrompt: boolean): Run {
  if (run.contentReleased) return run;
  const { prompt, systemPrompt: _s, openclawView: _v, llmCalls, orphanTools, ...rest } = run;
  let last = -1;
  for (let i = llmCalls.length - 1; i >= 0 && last < 0; i--) if (llmCalls[i]!.output) last = i;
  const summary: Run = {
    ...rest,
    llmCalls: llmCalls.map((c, i) => callSummary(c, i === last)),
    orphanTools: orphanTools.map(toolSummary),
    contentReleased: true,
  };
  if (keepPrompt && prompt !== undefined) summary.prompt = prompt;
  // Marks, usage and placements are already frozen: shared, not copied.
  const seen = new Map<object, unknown>();
  for (const m of run.marks) seen.set(m, m);
  return deepFrozenCopy(summary, seen) as Run;
}
