// End to end with the real OpenClaw 2026.9.6: ATIF with both stores (s3rver on loopback and a
// real HTTP server) and the ATOF journal (a file and an http_post stream). After a tool call, a
// subagent and a graceful stop: every local ATIF file has an identical object in the bucket and
// an identical HTTP body; the journal holds every hook event the runtime counted; replaying the
// journal with the package bin rebuilds ATIF files equal to the live ones.

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAtif } from '../../src/outputs/atif/validate.ts';
import { CaptureServer } from '../support/capture-server.ts';
import { OpenClawHarness, PLUGIN_DIR, PROBE_TOOLS_PLUGIN_DIR, REPO_ROOT, resolveNodeBinary, waitFor } from '../support/openclaw-harness.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';
import { withoutInputProofs } from '../support/atif-compare.ts';

type Doc = Record<string, any>;

let llm: ScriptedLlm;
let s3: S3rver;
let s3url: string;
let store: CaptureServer;
let collector: CaptureServer;
let harness: OpenClawHarness;
let tmp: string;
let atifDir: string;
let journalDir: string;
let pluginConfig: Record<string, unknown>;
let liveStatus: Doc;

const localFiles = () => readdirSync(atifDir).filter((f) => f.endsWith('.json')).sort();
const journalLines = (): Doc[] =>
  readdirSync(journalDir)
    .filter((f) => f.startsWith('events.jsonl'))
    .flatMap((f) => readFileSync(join(journalDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Doc));
const countByHook = (hooks: string[]) => hooks.reduce<Record<string, number>>((acc, h) => ((acc[h] = (acc[h] ?? 0) + 1), acc), {});

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'nemo-relay-e2e-ship-'));
  atifDir = join(tmp, 'atif');
  journalDir = join(tmp, 'atof');
  llm = await startScriptedLlm();
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(tmp, 's3'), configureBuckets: [{ name: 'traj' }] });
  s3url = `http://127.0.0.1:${(await s3.run()).port}`;
  store = await new CaptureServer().start();
  collector = await new CaptureServer().start();
  const base = relayConfig({ atifDir, keepToolContent: true });
  const obs = (base.plugins as Doc).components[0].config as Doc;
  obs.atif.storage = [
    { type: 's3', bucket: 'traj', key_prefix: 'fleet/gw-1/', endpoint_url: s3url, allow_http: true, access_key_id: 'S3RVER', secret_access_key_var: 'E2E_S3_SECRET', retry_initial_millis: 200 },
    { type: 'http', endpoint: `${store.url}/v1/trajectories`, headers: { 'x-fleet': 'gw-1' }, retry_initial_millis: 200 },
  ];
  obs.atof = {
    enabled: true,
    sinks: [
      { type: 'file', output_directory: journalDir, filename: 'events.jsonl', mode: 'append' },
      { type: 'stream', url: `${collector.url}/atof`, transport: 'http_post', name: 'collector' },
    ],
  };
  pluginConfig = base;
  harness = await OpenClawHarness.create({
    llmBaseUrl: llm.baseUrl,
    extraEnv: { E2E_S3_SECRET: 'S3RVER' },
    plugins: [
      { id: 'nemo-relay', path: PLUGIN_DIR, config: pluginConfig },
      { id: 'probe-tools', path: PROBE_TOOLS_PLUGIN_DIR },
    ],
  });
  // A loaded machine (several gateways at once) can take minutes to answer /readyz.
  await harness.startGateway({ timeoutMs: 300_000 });
  const probe = await harness.gatewayCall('nemoRelay.status');
  expect(probe.exitCode, `nemo-relay not loaded: ${probe.stderr.slice(-1500)}\n${harness.logTail(3000)}`).toBe(0);
  for (const [key, message] of [
    ['ship-tool', 'please call:probe_echo now'],
    ['ship-spawn', 'please call:sessions_spawn now'],
  ] as const) {
    const turn = await harness.agentTurn({ sessionKey: key, message });
    expect(turn.exitCode, `${key}: ${turn.stderr.slice(-2000)}`).toBe(0);
  }
  // The subagent runs after the spawning turn returns: wait until its run is in the journal's counts.
  await waitFor(
    async () => {
      const res = await harness.gatewayCall<Doc>('nemoRelay.status');
      liveStatus = res.json!;
      return (liveStatus?.counters?.hookEvents?.subagent_ended ?? 0) > 0;
    },
    { timeoutMs: 120_000, intervalMs: 2000, what: 'the subagent to end', context: () => harness.logTail() },
  );
}, 900_000);

afterAll(async () => {
  await harness?.cleanup();
  await llm?.close();
  await store?.stop();
  await collector?.stop();
  await s3?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('trajectories off the box, and the journal', () => {
  it('shows each store and journal sink in nemoRelay.status; the journal keeps up with the hook counts', async () => {
    const names = (liveStatus.outputs as Doc[]).map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['atif', 'atif.storage[0]', 'atif.storage[1]', 'atof.sinks[0]', 'collector']));
    // A loaded machine can stall the gateway past a request's deadline once (OpenClaw copies
    // plugin sources synchronously when a subagent first runs); the sink retries and is ok again.
    await waitFor(
      async () => {
        const res = await harness.gatewayCall<Doc>('nemoRelay.status');
        if (res.json?.outputs) liveStatus = res.json;
        return (liveStatus.outputs as Doc[]).every((o) => o.state === 'ok');
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'every output ok', context: () => JSON.stringify({ outputs: liveStatus.outputs, host: liveStatus.host }) },
    );
    for (const o of liveStatus.outputs as Doc[]) expect(o.state, JSON.stringify(o)).toBe('ok');
    expect(liveStatus.state, JSON.stringify(liveStatus.reasons)).toBe('ready');
    // Quiet gateway: every hook the runtime counted reaches the journal (encoding is deferred, so wait for it).
    let status: Doc = liveStatus;
    await waitFor(
      async () => {
        const res = await harness.gatewayCall<Doc>('nemoRelay.status');
        if (!res.json?.counters) return false; // a busy gateway can miss a call: ask again
        status = res.json;
        const counted = Object.fromEntries(Object.entries(status.counters.hookEvents as Record<string, number>).filter(([, n]) => n > 0));
        return JSON.stringify(sortKeys(countByHook(journalLines().map((l) => l.data.hook)))) === JSON.stringify(sortKeys(counted));
      },
      { timeoutMs: 30_000, intervalMs: 1000, what: 'journal counts = status hook counts', context: () => JSON.stringify({ journal: countByHook(journalLines().map((l) => l.data.hook)), status: status.counters.hookEvents }) },
    );
    expect(status.counters.hookEventsTotal).toBeGreaterThan(10);
  });

  it('after a graceful stop: every local ATIF file is in the bucket and was POSTed, byte for byte; the journal and the stream hold every hook', async () => {
    const before: Doc = (await harness.gatewayCall<Doc>('nemoRelay.status')).json!;
    const stop = await harness.stopGateway('SIGTERM');
    expect(stop.signal ?? stop.exitCode).not.toBe('SIGKILL');
    const files = localFiles();
    expect(files.length).toBe(2);
    const client = new S3Client({ region: 'us-east-1', endpoint: s3url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const f of files) {
      const local = readFileSync(join(atifDir, f));
      const doc = JSON.parse(local.toString('utf8')) as Doc;
      expect(validateAtif(doc).errors).toEqual([]);
      const obj = await client.send(new GetObjectCommand({ Bucket: 'traj', Key: `fleet/gw-1/${f}` }));
      expect(Buffer.from(await obj.Body!.transformToByteArray()).equals(local), `s3 object ${f}`).toBe(true);
      // The last body POSTed for this key is the final file (checkpoints are not uploaded by default: exactly one).
      const bodies = store.requests.filter((q) => q.headers['x-nemo-relay-atif-key'] === f);
      expect(bodies.length, f).toBe(1);
      expect(bodies[0]!.body.equals(local), `http body ${f}`).toBe(true);
      expect(bodies[0]!.headers['x-fleet']).toBe('gw-1');
    }
    client.destroy();
    // The spawn session's file embeds its subagent.
    const spawn = files.map((f) => JSON.parse(readFileSync(join(atifDir, f), 'utf8')) as Doc).find((d) => d.extra?.openclaw?.session_key === 'agent:main:ship-spawn');
    expect(spawn?.subagent_trajectories?.length ?? 0).toBeGreaterThan(0);

    // The journal: every hook counted before the stop, plus the stop's own hooks; in arrival order.
    const lines = journalLines();
    const journalCounts = countByHook(lines.map((l) => l.data.hook));
    for (const [hook, n] of Object.entries(before.counters.hookEvents as Record<string, number>)) expect(journalCounts[hook] ?? 0, hook).toBeGreaterThanOrEqual(n);
    expect(lines.length).toBeGreaterThanOrEqual(before.counters.hookEventsTotal);
    const times = lines.map((l) => Date.parse(l.timestamp));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    // The stream got the same records, one per POST, in order. Delivery is at least once: a
    // POST whose answer did not come in time is sent again, so a record can arrive twice,
    // right after itself; never out of order, never missing.
    const streamed = collector.requests.map((q) => (JSON.parse(q.body.toString('utf8')) as Doc).uuid as string);
    const firstArrivals = streamed.filter((u, i) => streamed.indexOf(u) === i);
    expect(firstArrivals).toEqual(lines.map((l) => l.uuid));
    expect(streamed.filter((u, i) => i > 0 && u !== streamed[i - 1] && streamed.indexOf(u) !== i)).toEqual([]);
  });

  it('replaying the journal with the package bin rebuilds ATIF files equal to the live ones', () => {
    const configFile = join(tmp, 'plugin-config.json');
    writeFileSync(configFile, JSON.stringify(pluginConfig));
    const replayed = join(tmp, 'replayed');
    const res = spawnSync(resolveNodeBinary(), [join(REPO_ROOT, 'bin/nemo-relay.mjs'), 'replay', join(journalDir, 'events.jsonl'), '--atif-dir', replayed, '--config', configFile], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
      timeout: 120_000,
    });
    expect(res.status, `${res.stdout}\n${res.stderr}`).toBe(0);
    const live = localFiles();
    expect(readdirSync(replayed).filter((f) => f.endsWith('.json')).sort()).toEqual(live);
    for (const f of live) {
      // The journal is written after the capture policy: exact-input proofs are set aside.
      const want = withoutInputProofs(JSON.parse(readFileSync(join(atifDir, f), 'utf8')));
      const got = withoutInputProofs(JSON.parse(readFileSync(join(replayed, f), 'utf8')));
      expect(got, f).toEqual(want);
    }
  });
});

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
