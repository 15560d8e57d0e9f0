// One run (agent turn) -> its ATIF steps, in order:
//   [system prompt, only when it differs from the one already in the trajectory]
//   user prompt (exactly once per run: the published plugin appended it twice)
//   one agent step per LLM call, with compaction steps of the run placed by time
//   [a system step holding tool calls that no LLM call could claim]
// Pure: the result depends only on the run, the system prompt before it and the children
// resolver, which is what lets the sink cache a finished run's serialized steps.

import { CAPTURE_STRIPPED } from '../../trace/model.ts';
import type { Mark, Run, Session } from '../../trace/model.ts';
import { agentStep, emptyTotals, toolResult } from './agent-step.ts';
import type { ChildResolver, StepTotals } from './agent-step.ts';
import { interleave, splitMarks } from './mark-steps.ts';
import type { AtifStepBody } from './types.ts';
import { compact, count, isoTime, markJson, nonEmpty } from './values.ts';
import { textKey } from '../../util/text-key.ts';

export interface RunSteps {
  steps: AtifStepBody[];
  totals: StepTotals;
  /** The system prompt in force after this run (its textKey): what the next run is compared against. */
  systemPrompt: string | undefined;
}

/** The run's system prompt; the capture marker when the model had one but prompts are not captured. */
export function systemPromptOf(run: Run): string | undefined {
  if (typeof run.systemPrompt === 'string') return run.systemPrompt;
  const first = run.llmCalls[0]?.input[0];
  if (first?.role !== 'system') return undefined;
  return typeof first.content === 'string' ? first.content : CAPTURE_STRIPPED;
}

/**
 * The run's user prompt: llm_input's prompt, else the last user message the first call sent.
 * The marker when a prompt existed but the capture policy kept it out; undefined when no hook
 * told us (conversation access off and no message seen).
 */
export function promptOf(run: Run): string | undefined {
  if (typeof run.prompt === 'string') return run.prompt;
  const input = run.llmCalls[0]?.input ?? [];
  for (let i = input.length - 1; i >= 0; i--) {
    const msg = input[i]!;
    if (msg.role === 'user') return typeof msg.content === 'string' ? msg.content : CAPTURE_STRIPPED;
  }
  return run.sawLlmInput ? CAPTURE_STRIPPED : undefined;
}

/** Time that orders a run among session-level steps. */
export function runTime(run: Run): number | undefined {
  if (typeof run.startTime === 'number') return run.startTime;
  const t = run.llmCalls[0]?.startTime;
  return typeof t === 'number' ? t : undefined;
}

/**
 * `sessionMarks`: compaction marks the engine kept on the session but tagged with this run.
 * `prevSystemPrompt` is a textKey (util/text-key.ts): a cached run keeps no prompt text.
 */
export function runSteps(
  session: Session,
  run: Run,
  prevSystemPrompt: string | undefined,
  resolveChild: ChildResolver,
  sessionMarks: readonly Mark[] = [],
): RunSteps {
  const totals = emptyTotals();
  const steps: AtifStepBody[] = [];
  const marks = splitMarks(sessionMarks.length > 0 ? [...run.marks, ...sessionMarks] : run.marks);
  const prompt = promptOf(run);
  const hasWork = run.llmCalls.length > 0 || run.orphanTools.length > 0;
  const failed = run.status === 'error' || typeof run.error === 'string' || run.success === false;

  if (prompt === undefined && !hasWork && !failed && run.marks.length === 0 && sessionMarks.length === 0) {
    // Nothing happened that a reader could use: no steps (a quiet session writes no file).
    return { steps, totals, systemPrompt: prevSystemPrompt };
  }

  let systemPrompt = prevSystemPrompt;
  const sp = systemPromptOf(run);
  const spKey = textKey(sp);
  if (sp !== undefined && spKey !== prevSystemPrompt) {
    const step: AtifStepBody = { source: 'system', message: sp };
    const ts = isoTime(runTime(run));
    if (ts) step.timestamp = ts;
    // The message is what the model saw; OpenClaw's own text, where different, beside it.
    const openclaw = nonEmpty(run.openclawView?.systemPrompt);
    if (openclaw !== undefined) step.extra = { openclaw_system_prompt: openclaw };
    steps.push(step);
    systemPrompt = spKey;
  }

  const user: AtifStepBody = { source: 'user', message: prompt ?? '' };
  const ts = isoTime(runTime(run));
  if (ts) user.timestamp = ts;
  const userExtra = compact({
    run_id: nonEmpty(run.runId),
    trigger: run.trigger !== undefined && run.trigger !== 'user' ? run.trigger : undefined,
    // Said out loud so an empty message is not mistaken for an empty prompt.
    prompt_unavailable: prompt === undefined ? 'no hook revealed the prompt (conversation access off?)' : undefined,
    status: run.status !== 'ok' ? run.status : undefined,
    error: failed ? nonEmpty(run.error) ?? 'run failed' : undefined,
    duration_ms: count(run.durationMs),
    openclaw_prompt: nonEmpty(run.openclawView?.prompt),
    marks: marks.other.map(markJson),
  });
  if (userExtra) user.extra = userExtra;
  steps.push(user);

  interleave(run.llmCalls, (c) => (typeof c.startTime === 'number' ? c.startTime : undefined), marks.steps, (item) => {
    steps.push('mark' in item ? item.mark : agentStep(session, run, item.anchor, resolveChild, totals));
  });

  if (run.orphanTools.length > 0) {
    // tool_calls are agent-only and an agent step means an LLM inference; results without a
    // source_call_id on a system step are the RFC's form for actions outside tool calling.
    const step: AtifStepBody = {
      source: 'system',
      message: 'Tool calls that could not be attributed to an LLM call',
      observation: { results: run.orphanTools.map((t) => toolResult(t, resolveChild, false)) },
      extra: { orphan_tools: true },
    };
    const t = isoTime(run.orphanTools[0]?.startTime);
    if (t) step.timestamp = t;
    steps.push(step);
    totals.toolCalls += run.orphanTools.length;
    totals.failedTools += run.orphanTools.filter((t) => t.status === 'error' || typeof t.error === 'string').length;
  }
  return { steps, totals, systemPrompt };
}
