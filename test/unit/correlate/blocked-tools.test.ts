// Blocked tools come from OpenClaw's own verdict in after_tool_call
// (`result.details.status === "blocked"`, `deniedReason`), never from an error's wording.

import { describe, expect, it } from 'vitest';
import { readRecording, replay, type RecordedHook } from '../../support/replay.ts';
import { buildTrajectory } from '../../../src/outputs/atif/trajectory.ts';
import { planRun, SpanIds } from '../../../src/outputs/otlp/span-plan.ts';
import { toReadableSpan } from '../../../src/outputs/otlp/readable-span.ts';
import { genAiProjection } from '../../../src/outputs/otlp/gen-ai/gen-ai-projection.ts';
import { resourceFromAttributes } from '@opentelemetry/resources';

const fixture = () => readRecording(new URL('../../../fixtures/gateway-tool-call.jsonl', import.meta.url).pathname);
const META = { agentName: 'openclaw', openclawVersion: '2026.9.6', pluginVersion: '0.1.0' };

function withToolResult(result: unknown, error?: string): RecordedHook[] {
  return fixture().map((r) => {
    if (r.hook !== 'after_tool_call') return r;
    const event: Record<string, unknown> = { ...(r.event as Record<string, unknown>), result };
    if (error !== undefined) event.error = error;
    return { ...r, event };
  });
}

describe('blocked tools', () => {
  const blockedResult = {
    content: [{ type: 'text', text: 'Tool call blocked by plugin policy' }],
    details: { status: 'blocked', deniedReason: 'plugin-before-tool-call' },
  };

  it('flag the tool span blocked with the reason, a mark, error status and a blocked ATIF observation', () => {
    const { runs, sessions } = replay(withToolResult(blockedResult), { capture: { stripToolArgs: false, stripToolResults: false } });
    const tool = runs[0]!.run.llmCalls[0]!.tools[0]!;
    expect(tool.blocked).toBe(true);
    expect(tool.deniedReason).toBe('plugin-before-tool-call');
    expect(tool.status).toBe('error');
    const mark = tool.marks.find((m) => m.name === 'tool.blocked');
    expect(mark?.message).toBe('tool call blocked: plugin-before-tool-call');
    expect(mark?.attributes).toEqual({ deniedReason: 'plugin-before-tool-call' });

    const doc = buildTrajectory(sessions[0]!, META)!;
    const observations = doc.steps.flatMap((s) => s.observation?.results ?? []);
    const obs = observations.find((o) => o.source_call_id === tool.toolCallId)!;
    expect(obs.content).toBe('blocked: plugin-before-tool-call');
    expect(obs.extra).toMatchObject({ blocked: true, denied_reason: 'plugin-before-tool-call', error: true });

    const planned = planRun(runs[0]!.session, runs[0]!.run, () => 0, new SpanIds());
    const span = planned.find((p) => p.subject.kind === 'tool')!;
    expect(span.status.code).toBe('error');
    expect(span.errorType).toBe('tool_blocked');
    const readable = toReadableSpan(span, genAiProjection, resourceFromAttributes({}), { name: 't' });
    expect(readable.attributes['nemo_relay.tool.blocked']).toBe(true);
    expect(readable.attributes['nemo_relay.tool.denied_reason']).toBe('plugin-before-tool-call');
    expect(readable.attributes['error.type']).toBe('tool_blocked');
  });

  it('an error that merely says "blocked" is a failed tool, not a blocked one', () => {
    const { runs } = replay(withToolResult({ content: [{ type: 'text', text: 'x' }], details: { status: 'error' } }, 'connection blocked by firewall'));
    const tool = runs[0]!.run.llmCalls[0]!.tools[0]!;
    expect(tool.blocked).toBeUndefined();
    expect(tool.status).toBe('error');
    expect(tool.marks.map((m) => m.name)).not.toContain('tool.blocked');
  });

  it('a wrong-typed details.status is named as a field problem, not a crash', () => {
    const { runs, problems } = replay(withToolResult({ details: { status: 7 } }));
    expect(runs[0]!.run.llmCalls[0]!.tools[0]!.blocked).toBeUndefined();
    expect(problems.flatMap((p) => p.problems)).toContain('result.details.status: expected string, found number 7');
  });
});
