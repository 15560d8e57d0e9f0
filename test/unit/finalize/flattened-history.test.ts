// Episodes over /v1/chat/completions: a pinned session gets the client's history flattened
// into each prompt. The recorded gateway stream of one such turn is played three times into
// one session: turn 2 repeats turn 1 as its history (recorded once: only its new message
// becomes a user step, with a mark), turn 3 sends a history that is not what was recorded
// (kept whole). The model's input on the call still holds what it was sent.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerNemoRelay, type PluginApi } from '../../../src/plugin.ts';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { CURRENT_MARKER, HISTORY_MARKER, splitFlattened, unwrap } from '../../../src/finalize/flattened-history.ts';
import { fakeInstance, fire } from '../../support/fake-host.ts';
import { readRecording } from '../../support/replay.ts';
import { relayConfig } from '../../support/plugin-config.ts';
import { deliveredRunsProbe } from '../../support/probe-sink.ts';

const records = readRecording(new URL('../../../fixtures/http-chat-completions.jsonl', import.meta.url).pathname);
const RUN_ID = (records.find((r) => r.hook === 'before_agent_run')!.ctx as { runId: string }).runId;
const PROMPT = 'please call:probe_echo now';
const turnRecords = records.filter((r) => !['gateway_start', 'gateway_stop', 'cron_changed', 'cron_reconciled'].includes(r.hook));

/** The recorded turn as run `n`, its prompt replaced (everywhere the hooks carry it). */
function turn(n: number, prompt: string) {
  const esc = (s: string) => JSON.stringify(s).slice(1, -1);
  return turnRecords.map((r) => JSON.parse(JSON.stringify(r).split(RUN_ID).join(`${RUN_ID}-t${n}`).split(esc(PROMPT)).join(esc(prompt))));
}
const flattened = (history: string[], current: string) => [HISTORY_MARKER, ...history, '', CURRENT_MARKER, `User: ${current}`].join('\n');

afterEach(() => resetSharedRuntime());

describe('flattened chat-completions history', () => {
  it('splits OpenClaw\'s flattened prompt into history and the current message', () => {
    expect(splitFlattened(flattened(['User: a', 'Assistant: b'], 'c'))).toEqual({ envelope: '', history: 'User: a\nAssistant: b', current: 'c' });
    expect(splitFlattened(`[Sat 2026-11-21 02:45 UTC] ${flattened(['User: a'], 'c')}`)?.envelope).toBe('[Sat 2026-11-21 02:45 UTC] ');
    expect(splitFlattened('plain prompt')).toBeUndefined();
  });

  it('records a repeated history once, keeps a history it never recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nr-flat-'));
    const config = relayConfig({ atifDir: dir, keepToolContent: true });
    const full = fakeInstance('full', config);
    const discovery = fakeInstance('discovery', config);
    const runtime = registerNemoRelay(full.api as unknown as PluginApi);
    registerNemoRelay(discovery.api as unknown as PluginApi);
    // The session keeps only run summaries once delivered (finalize/release.ts): the full
    // runs are what the outputs get at runEnded.
    const { sink: probe, delivered } = deliveredRunsProbe();
    runtime.sinks.push(probe);
    const play = async (list: ReturnType<typeof turn>) => {
      for (const r of list) fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx);
      await runtime.flush();
    };
    const doc = () => JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8'));

    await play(turn(1, PROMPT));
    const agent = doc().steps.filter((s: any) => s.source === 'agent');
    const answer = String(agent[agent.length - 1].message).trim();
    expect(answer.length).toBeGreaterThan(0);

    const second = flattened([`User: ${PROMPT}`, `Assistant: ${answer}`], 'and once more');
    await play(turn(2, second));
    const edited = flattened(['User: something else entirely', 'Assistant: no'], 'third');
    await play(turn(3, edited));

    const d = doc();
    const users = d.steps.filter((s: any) => s.source === 'user');
    // OpenClaw puts the time in front of every prompt.
    // The model also saw OpenClaw's Runtime block after the prompt (issue 15's provider view).
    expect(users.map((s: any) => unwrap(s.message).body.replace(/\n\nRuntime: [^\n]*$/, ''))).toEqual([PROMPT, 'and once more', edited]);
    expect(users[1].extra.marks.map((m: any) => m.name)).toContain('prompt.history_recorded');
    expect(users[2].extra?.marks?.map((m: any) => m.name) ?? []).not.toContain('prompt.history_recorded');
    // What the model was sent is still on the call.
    const target = runtime.directory.resolve({ sessionId: d.session_id }, 0);
    if (typeof target === 'string') throw new Error(target);
    expect(target.session!.runs.find((r) => r.runId === `${RUN_ID}-t2`)?.contentReleased).toBe(true);
    const run2 = delivered.find((r) => r.runId === `${RUN_ID}-t2`)!;
    // (The provider view puts OpenClaw's internal-context message last: look for the prompt.)
    const sent = run2.llmCalls[0]!.input.filter((m) => m.role === 'user').find((m) => String(m.content).includes('and once more'))!;
    expect(unwrap(sent.content!).body.replace(/\n\nRuntime: [^\n]*$/, '')).toBe(second);
    await runtime.stop('test');
  });
});
