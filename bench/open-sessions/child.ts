// One measured open-sessions run in a fresh process: the plugin (ATIF on) gets N sessions of
// one recorded /v1/chat/completions turn each, none of them ended (OpenClaw fires no
// session_end for those). Floor: the settled heap of this same process with the plugin
// registered and warmed up, before the sessions. Retained: the settled heap once every run
// is finalized and written, minus the floor. Result over IPC.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerNemoRelay, type PluginApi } from '../../src/plugin.ts';
import { fakeInstance, fire } from '../../scripts/lib/fake-host.ts';
import { readRecording } from '../../scripts/lib/replay.ts';
import { retag } from '../../scripts/lib/streams.ts';
import { relayConfig } from '../../scripts/lib/plugin-config.ts';
import { settledHeap, type MemSample } from '../replay/memory.ts';

export interface OpenSessionsChildOptions {
  sessions: number;
  fixture: string;
}

export interface OpenSessionsChildResult {
  sessions: number;
  openSessions: number;
  openRuns: number;
  atifFiles: number;
  floor: MemSample;
  after: MemSample;
  ms: number;
}

const SKIP = new Set(['gateway_start', 'gateway_stop', 'cron_changed', 'cron_reconciled', 'session_end']);

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as OpenSessionsChildOptions;
  const dir = await mkdtemp(path.join(tmpdir(), 'nemo-relay-open-sessions-'));
  try {
    const config = relayConfig({ atifDir: dir });
    const full = fakeInstance('full', config);
    const discovery = fakeInstance('discovery', config);
    const runtime = registerNemoRelay(full.api as unknown as PluginApi);
    registerNemoRelay(discovery.api as unknown as PluginApi);
    const turn = readRecording(o.fixture).filter((r) => !SKIP.has(r.hook));
    const play = async (tag: string) => {
      for (const r of retag(turn, tag)) fire(r.registrationMode === 'full' ? full : discovery, r.hook, r.event, r.ctx);
    };
    const settle = async () => {
      for (let i = 0; i < 600 && runtime.engine.openRuns > 0; i++) {
        await runtime.flush();
        await new Promise((r) => setTimeout(r, 50));
      }
      await runtime.flush();
    };
    // Warm-up sessions (JIT, caches, the ATIF writer), then the floor.
    for (let i = 0; i < 50; i++) await play(`warm${i}`);
    await settle();
    const floor = await settledHeap();
    const t0 = Date.now();
    for (let i = 0; i < o.sessions; i++) {
      await play(`s${i}`);
      if (i % 100 === 99) await runtime.flush();
    }
    await settle();
    const ms = Date.now() - t0;
    // Idle: the ATIF sink leaves a file's run steps to the file once it has not been written
    // for 30 s (NEMO_RELAY_ATIF_SPILL_AFTER_MS), checked every 10 s.
    const spillAfter = Number(process.env.NEMO_RELAY_ATIF_SPILL_AFTER_MS ?? 30_000);
    if (spillAfter > 0) await new Promise((r) => setTimeout(r, spillAfter + 11_000));
    const after = await settledHeap();
    if (process.env.BENCH_HEAPSNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_HEAPSNAPSHOT);
    const { readdir } = await import('node:fs/promises');
    const atifFiles = (await readdir(dir)).filter((f) => f.endsWith('.json')).length;
    const result: OpenSessionsChildResult = {
      sessions: o.sessions,
      openSessions: runtime.engine.openSessions,
      openRuns: runtime.engine.openRuns,
      atifFiles,
      floor,
      after,
      ms,
    };
    process.send?.({ type: 'result', result });
    // Stopping closes every session: thousands of final writes, which can outlast the stop's
    // bound. The figures are taken; the folder is removed once the writes settled.
    await runtime.stop('bench', 60_000);
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 }).catch((err: unknown) => console.error(`could not remove ${dir}: ${String(err)}`));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
