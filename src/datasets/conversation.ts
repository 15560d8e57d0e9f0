// ATIF steps -> the conversation the model saw, in neutral form; the format writers only
// spell it. The rules (README "From trajectories to a dataset"):
//   - system step -> system message; user step -> user message;
//   - agent step -> assistant message (message, reasoning_content, tool_calls), followed by
//     one tool message per tool call, in call order, carrying the observation result whose
//     source_call_id names it (empty content if the result is missing, so every call is
//     answered); results with no source_call_id -> a user message (environment feedback);
//   - a compaction step (extra.context_management.boundary "replace") replaces what came
//     before: the conversation restarts from the system prompt in force, plus the summary
//     (observation content) as a user message when there is one: what the model sees next;
//   - system steps that are bookkeeping, not model input (extra.orphan_tools,
//     extra.subagents_only), are left out.

import type { AtifObservationResult, AtifStep, AtifTrajectory } from '../outputs/atif/types.ts';

export type TextPart = { type: 'text'; text: string };
export type ImagePart = { type: 'image'; source: { media_type: string; path: string } };
export type Content = string | (TextPart | ImagePart)[];

export interface ToolCallTurn {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type Turn =
  | { role: 'system'; content: Content }
  | { role: 'user'; content: Content }
  | { role: 'assistant'; content: Content; reasoning?: string; toolCalls: ToolCallTurn[] }
  | { role: 'tool'; toolCallId: string; name: string; content: Content };

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function extraFlag(step: AtifStep, key: string): unknown {
  return isObj(step.extra) ? step.extra[key] : undefined;
}

function isReplaceCompaction(step: AtifStep): boolean {
  const cm = extraFlag(step, 'context_management');
  return isObj(cm) && cm['boundary'] === 'replace';
}

const contentOf = (r: AtifObservationResult | undefined): Content => (r?.content as Content | undefined) ?? '';

export function conversationOf(doc: AtifTrajectory): Turn[] {
  let turns: Turn[] = [];
  let system: Turn | undefined;
  for (const step of doc.steps) {
    const message = step.message as Content;
    if (step.source === 'system') {
      if (isReplaceCompaction(step)) {
        turns = system ? [system] : [];
        const summary = step.observation?.results.find((r) => r.content !== undefined && r.content !== '');
        if (summary) turns.push({ role: 'user', content: contentOf(summary) });
        continue;
      }
      if (extraFlag(step, 'orphan_tools') === true || extraFlag(step, 'subagents_only') === true) continue;
      system = { role: 'system', content: message };
      turns.push(system);
    } else if (step.source === 'user') {
      turns.push({ role: 'user', content: message });
    } else {
      const calls = (step.tool_calls ?? []).map((c) => ({ id: c.tool_call_id, name: c.function_name, arguments: c.arguments }));
      const assistant: Turn = { role: 'assistant', content: message, toolCalls: calls };
      if (typeof step.reasoning_content === 'string' && step.reasoning_content !== '') assistant.reasoning = step.reasoning_content;
      turns.push(assistant);
      const results = step.observation?.results ?? [];
      for (const c of calls) {
        turns.push({ role: 'tool', toolCallId: c.id, name: c.name, content: contentOf(results.find((r) => r.source_call_id === c.id)) });
      }
      for (const r of results) {
        if (typeof r.source_call_id !== 'string' && r.content !== undefined) turns.push({ role: 'user', content: contentOf(r) });
      }
    }
  }
  return turns;
}

/** Plain text of a content value: text parts joined by newlines, images as `<image>`. */
export function textOf(c: Content): string {
  if (typeof c === 'string') return c;
  return c.map((p) => (p.type === 'text' ? p.text : '<image>')).join('\n');
}

export function imagesOf(c: Content): string[] {
  return typeof c === 'string' ? [] : c.filter((p): p is ImagePart => p.type === 'image').map((p) => p.source.path);
}

/** Every trajectory of a document, root first, then embedded ones depth-first. */
export function* allTrajectories(doc: AtifTrajectory): Generator<AtifTrajectory> {
  yield doc;
  for (const sub of doc.subagent_trajectories ?? []) yield* allTrajectories(sub);
}
