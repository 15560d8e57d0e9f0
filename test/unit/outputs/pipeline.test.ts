// The three pieces as the runtime composes them, in process: a recorded gateway stream drives
// the real runtime built from one config (the output registry: the ATIF sink's onWritten
// feeds the uploader, s3rver bucket + HTTP store; the ATOF journal, file + websocket, is fed
// by dispatch).
// Then: every local ATIF file has an identical object and an identical HTTP body, the journal
// and the websocket hold every hook event, and replaying the journal rebuilds equal files.

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { validateAtif } from '../../../src/outputs/atif/validate.ts';
import type { AtofMark } from '../../../src/outputs/atof/index.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { replayCommand } from '../../../src/replay/replay-command.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { CaptureServer, until } from '../../support/capture-server.ts';
import { readRecording } from '../../support/replay.ts';
import { withoutInputProofs } from '../../support/atif-compare.ts';

let tmp: string;
let s3: S3rver;
let s3url: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'pipeline-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(tmp, 's3'), configureBuckets: [{ name: 'traj' }] });
  s3url = `http://127.0.0.1:${(await s3.run()).port}`;
});
afterAll(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

it('ATIF + S3 + HTTP + ATOF file and websocket, then replay: all copies identical', async () => {
  const http = await new CaptureServer().start();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const wsGot: string[] = [];
  wss.on('connection', (ws) => ws.on('message', (m) => wsGot.push(m.toString())));
  const atifDir = path.join(tmp, 'atif');
  const env = { S3_SECRET: 'S3RVER' };
  const atifSection = {
    enabled: true,
    agent_name: 'openclaw',
    output_directory: atifDir,
    filename_template: 'nemo-relay-atif-{session_id}.json',
    storage: [
      { type: 's3', bucket: 'traj', key_prefix: 'fleet/gw-7/', endpoint_url: s3url, allow_http: true, access_key_id: 'S3RVER', secret_access_key_var: 'S3_SECRET' },
      { type: 'http', endpoint: `${http.url}/v1/trajectories`, headers: { 'x-fleet': 'gw-7' } },
    ],
  };
  const atofSection = {
    enabled: true,
    sinks: [
      { type: 'file', output_directory: tmp, filename: 'events.jsonl', mode: 'overwrite' },
      { type: 'stream', url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, transport: 'websocket', name: 'collector' },
    ],
  };
  const records = readRecording(path.join(import.meta.dirname, '../../../fixtures/gateway-subagent.jsonl'));
  let clock = records[0]!.ts;
  const rawConfig = { plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 1, atif: atifSection, atof: atofSection } }] } };
  const rt = new Runtime({
    rawConfig,
    env,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    pluginVersion: '0.1.0',
    openclawVersion: '2026.9.6',
    now: () => clock,
    ids: sequentialIds(),
    outputs: OUTPUTS,
  });
  expect(rt.loaded.issues).toEqual([]);
  expect(rt.journal).toBeDefined();
  for (const r of records) {
    clock = r.ts;
    rt.tick();
    rt.dispatch(r.hook, r.event, r.ctx);
  }
  clock += 60_000;
  rt.tick();
  await rt.flush();
  // Status shows one entry per store and per journal sink, by their config names.
  const health = () => new Map(rt.sinkHealth().map((h) => [h.name, h]));
  expect([...health().keys()]).toEqual(['atif', 'atif.storage[0]', 'atif.storage[1]', 'atof.sinks[0]', 'collector']);
  await rt.stop('gateway_stop', 30_000);
  await until(() => wsGot.length === records.length, 10_000, 'websocket records');

  // ATIF: local files, bucket objects and HTTP bodies are the same bytes.
  const files = (await readdir(atifDir)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThan(0);
  const c = new S3Client({ region: 'us-east-1', endpoint: s3url, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  for (const f of files) {
    const local = await readFile(path.join(atifDir, f));
    expect(validateAtif(JSON.parse(local.toString('utf8'))).errors).toEqual([]);
    const obj = await c.send(new GetObjectCommand({ Bucket: 'traj', Key: `fleet/gw-7/${f}` }));
    expect(Buffer.from(await obj.Body!.transformToByteArray()).equals(local)).toBe(true);
    const bodies = http.requests.filter((q) => q.headers['x-nemo-relay-atif-key'] === f);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.body.equals(local)).toBe(true);
  }
  c.destroy();
  for (const n of ['atif.storage[0]', 'atif.storage[1]']) expect(health().get(n)).toMatchObject({ state: 'stopped', exported: files.length, failures: 0, dropped: 0, queueDepth: 0 });

  // ATOF: the file and the websocket hold every hook event, in order.
  const lines = (await readFile(path.join(tmp, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as AtofMark);
  expect(lines.map((l) => l.data.hook)).toEqual(records.map((r) => r.hook));
  expect(wsGot.map((m) => (JSON.parse(m) as AtofMark).data.hook)).toEqual(records.map((r) => r.hook));
  for (const n of ['atof.sinks[0]', 'collector']) expect(health().get(n)).toMatchObject({ state: 'stopped', exported: records.length, dropped: 0 });

  // Replay: the journal alone rebuilds the same trajectories.
  const replayed = path.join(tmp, 'replayed');
  let out = '';
  // The gateway's plugin config (filename template, capture), as a bug report would attach it.
  const configFile = path.join(tmp, 'plugin-config.json');
  await writeFile(configFile, JSON.stringify(rawConfig));
  const code = await replayCommand.run([path.join(tmp, 'events.jsonl'), '--atif-dir', replayed, '--config', configFile], { out: (t) => (out += t), err: (t) => (out += t) });
  expect(code, out).toBe(0);
  const again = (await readdir(replayed)).filter((f) => f.endsWith('.json')).sort();
  expect(again).toEqual(files);
  for (const f of files) expect(withoutInputProofs(JSON.parse(await readFile(path.join(replayed, f), 'utf8')))).toEqual(withoutInputProofs(JSON.parse(await readFile(path.join(atifDir, f), 'utf8'))));

  await http.stop();
  await new Promise((r) => wss.close(r));
});
