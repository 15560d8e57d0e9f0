// ATIF documents for the dataset tests, built by the project's own trajectory builder from
// hand-made trace trees (test/unit/atif/build.ts) and checked by its validator: the exporter
// is tested on what the plugin really writes.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { buildTrajectory } from '../../../src/outputs/atif/trajectory.ts';
import type { AtifMeta, AtifTrajectory } from '../../../src/outputs/atif/types.ts';
import { formatAtifErrors, validateAtif } from '../../../src/outputs/atif/validate.ts';
import type { Session } from '../../../src/trace/model.ts';
import type { Annotations } from '../../../src/datasets/annotations.ts';
import { META, T0, adopt, call, run, session, tool, usage } from '../outputs/atif/build.ts';

export function build(s: Session, annotations?: Annotations): AtifTrajectory {
  const meta: AtifMeta = annotations ? { ...META, rootExtra: () => ({ annotations: { ...annotations } }) } : META;
  const doc = buildTrajectory(s, meta);
  expect(doc).toBeDefined();
  const res = validateAtif(doc);
  expect(res.errors, formatAtifErrors(res.errors)).toEqual([]);
  return doc!;
}

/**
 * One episode: a tool call with reasoning, its result, an answer, then a second turn.
 * Usage per call: usage(100, 20, 50, 10, 0.0012) (build.ts default) unless given.
 */
export function episode(id: string, annotations?: Annotations, over: { start?: number; agentId?: string } = {}): AtifTrajectory {
  const t = over.start ?? T0;
  const s = session({ sessionId: id, sessionKey: `agent:${over.agentId ?? 'main'}:${id}`, agentId: over.agentId ?? 'main', startTime: t });
  const read = tool('call_1', 'read', { arguments: { path: '/tmp/a.txt' }, result: 'file contents' });
  s.runs.push(
    run(`${id}-r1`, 'Read /tmp/a.txt', [
      call(`${id}-r1`, 1, { text: '', toolCalls: [{ id: 'call_1', name: 'read', arguments: { path: '/tmp/a.txt' } }], tools: [read], over: { reasoning: 'I should read the file.' } }),
      call(`${id}-r1`, 2, { text: 'It says: file contents', usage: usage(200, 30, 0, 0, 0.002) }),
    ]),
    run(`${id}-r2`, 'thanks', [call(`${id}-r2`, 4, { text: 'You are welcome.', usage: usage(300, 5, 100, 0) })]),
  );
  return build(s, annotations);
}

/** A parent that spawns a subagent (embedded), which answers; then the parent answers. */
export function withSubagent(id: string, annotations?: Annotations): AtifTrajectory {
  const parent = session({ sessionId: id, sessionKey: `agent:main:${id}` });
  const spawn = tool('call_spawn', 'sessions_spawn', { arguments: { task: 'count' }, result: '{"status":"accepted"}', childSessionKey: `agent:main:subagent:${id}` });
  parent.runs.push(
    run(`${id}-p1`, 'Spawn a helper', [
      call(`${id}-p1`, 1, { text: '', toolCalls: [{ id: 'call_spawn', name: 'sessions_spawn', arguments: { task: 'count' } }], tools: [spawn] }),
      call(`${id}-p1`, 2, { text: 'Spawned' }),
    ]),
  );
  const child = session({ sessionKey: `agent:main:subagent:${id}`, sessionId: `${id}-child`, agentId: 'helper' });
  child.runs.push(run(`${id}-c1`, 'Count to three', [call(`${id}-c1`, 1, { text: '1 2 3', usage: usage(7, 3) })], { systemPrompt: 'You are a subagent.' }));
  adopt(parent, child, `${id}-p1`, 'call_spawn');
  return build(parent, annotations);
}

export async function writeDocs(dir: string, docs: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, doc] of Object.entries(docs)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  }
}
