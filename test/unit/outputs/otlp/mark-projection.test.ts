// mark_projection "tool": each mark as an instant child span of the span it marks, read back
// from a real OTLP/HTTP receiver, for the gen_ai and OpenInference projections.

import { afterEach, expect, it } from 'vitest';

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { ReceivedSpan } from '../../../support/otlp-receiver.ts';
import { IDS, ROOT_SESSION_ID, T0, TRACE_ID, TREE_SPAN_COUNT, buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The fixture's marks: tool.slow on toolRead, usage.mismatch on run1, session.started on the root, plus an error mark added here. */
const MARKS = 4;

async function exportWith(extra: Partial<OtlpOutputConfig>) {
  const receiver = await startOtlpReceiver();
  cleanup.push(() => receiver.close());
  const sink = createOtlpOutputSink(otlpConfig(receiver.url, extra), { version: '0.1.0' });
  cleanup.push(() => sink.shutdown());
  const tree = buildTree();
  tree.toolSpawn.marks.push({ name: 'tool.blocked', time: T0 + 1500, severity: 'error', message: 'denied by policy', attributes: { rule: 'no-spawn' } });
  exportTree(sink, tree);
  await sink.flush();
  return { spans: receiver.spans(), health: sink.health() };
}

const markSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes['nemo_relay.mark.name'] !== undefined);

it.each(['gen_ai', 'openinference'] as const)('%s: every mark is an instant child span of the span it marks, counted as exported', async (projection) => {
  const { spans, health } = await exportWith({ projection, markProjection: 'tool' });
  expect(spans).toHaveLength(TREE_SPAN_COUNT + MARKS);
  expect(health.exported).toBe(TREE_SPAN_COUNT + MARKS);
  // No mark is left as an event; the exception event of a failed span stays.
  for (const s of spans) for (const e of s.events) expect(e.name).toBe('exception');

  const marks = markSpans(spans);
  expect(marks.map((m) => m.attributes['nemo_relay.mark.name']).sort()).toEqual(['session.started', 'tool.blocked', 'tool.slow', 'usage.mismatch']);
  const ids = new Set(spans.map((s) => s.spanId));
  expect(ids.size).toBe(spans.length);
  for (const m of marks) {
    expect(m.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(m.spanId).not.toMatch(/^0+$/);
    expect(m.traceId).toBe(TRACE_ID);
    expect(m.startTimeUnixNano).toBe(m.endTimeUnixNano);
    expect(spans.some((s) => s.spanId === m.parentSpanId)).toBe(true);
  }
  const slow = marks.find((m) => m.attributes['nemo_relay.mark.name'] === 'tool.slow')!;
  expect(slow.parentSpanId).toBe(IDS.toolRead);
  expect(slow.startMs).toBe(T0 + 1400);
  expect(slow.attributes).toMatchObject({ threshold_ms: 100, 'nemo_relay.mark.severity': 'warning', 'nemo_relay.mark.message': 'tool took long', 'nemo_relay.mark.on': 'tool', 'session.id': ROOT_SESSION_ID });
  expect(slow.status.code).toBe(0);
  expect(marks.find((m) => m.attributes['nemo_relay.mark.name'] === 'usage.mismatch')!.parentSpanId).toBe(IDS.run1);
  expect(marks.find((m) => m.attributes['nemo_relay.mark.name'] === 'session.started')!.parentSpanId).toBe(IDS.rootSession);
  const blocked = marks.find((m) => m.attributes['nemo_relay.mark.name'] === 'tool.blocked')!;
  expect(blocked.parentSpanId).toBe(IDS.toolSpawn);
  expect(blocked.status).toEqual({ code: 2, message: 'denied by policy' });
  expect(blocked.attributes['error.type']).toBe('tool.blocked');

  if (projection === 'gen_ai') {
    expect(slow.name).toBe('mark tool.slow');
    expect(slow.attributes['gen_ai.operation.name']).toBeUndefined();
    expect(slow.attributes['gen_ai.conversation.id']).toBe(ROOT_SESSION_ID);
  } else {
    expect(slow.attributes['openinference.span.kind']).toBe('CHAIN');
    expect(slow.attributes['input.value']).toBe('tool took long');
    expect(JSON.parse(String(slow.attributes['metadata']))).toMatchObject({ mark: 'tool.slow', threshold_ms: 100 });
  }
});

it('mark_exclude_names drops an excluded mark as a span too', async () => {
  const { spans, health } = await exportWith({ markProjection: 'tool', markExcludeNames: ['tool.slow', 'session.started'] });
  expect(markSpans(spans).map((m) => m.attributes['nemo_relay.mark.name']).sort()).toEqual(['tool.blocked', 'usage.mismatch']);
  expect(health.exported).toBe(TREE_SPAN_COUNT + 2);
  expect(spans.flatMap((s) => s.events.map((e) => e.name)).filter((n) => n !== 'exception')).toEqual([]);
});

it.each(['event', 'inherit', undefined] as const)('mark_projection %s keeps marks as span events', async (markProjection) => {
  const { spans } = await exportWith(markProjection === undefined ? {} : { markProjection });
  expect(spans).toHaveLength(TREE_SPAN_COUNT);
  expect(markSpans(spans)).toEqual([]);
  expect(spans.find((s) => s.spanId === IDS.toolRead)!.events.map((e) => e.name)).toContain('tool.slow');
});
