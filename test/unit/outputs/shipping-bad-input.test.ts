// Bad input for the stores and the journal, through the runtime as the gateway builds it: a
// bucket that does not exist (s3rver), an HTTP store that answers 500 (real server), and a
// journal file on a full disk (/dev/full: every write fails with ENOSPC). Each is counted,
// nemoRelay.status says `degraded` with the reason, the local ATIF files are intact and valid,
// and the hook path stays fast.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sequentialIds } from '../../../src/correlate/ids.ts';
import { validateAtif } from '../../../src/outputs/atif/validate.ts';
import { OUTPUTS } from '../../../src/outputs/registry.ts';
import { Runtime } from '../../../src/runtime/runtime.ts';
import { buildStatus } from '../../../src/status/status.ts';
import { CaptureServer, until } from '../../support/capture-server.ts';
import { readRecording } from '../../support/replay.ts';

let tmp: string;
let s3: S3rver;
let s3url: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'shipping-bad-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(tmp, 's3'), configureBuckets: [{ name: 'traj' }] });
  s3url = `http://127.0.0.1:${(await s3.run()).port}`;
});
afterAll(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

it.skipIf(!existsSync('/dev/full'))('a missing bucket, 500s and a full disk under the journal: counted, degraded with the reason, local ATIF intact', async () => {
  const http = await new CaptureServer().start();
  http.fallback = 'fail500';
  const atifDir = path.join(tmp, 'atif');
  const env = { S3_SECRET: 'S3RVER' };
  const retry = { max_attempts: 2, retry_initial_millis: 5, retry_max_millis: 10 };
  const observability = {
    version: 1,
    atif: {
      enabled: true,
      agent_name: 'openclaw',
      output_directory: atifDir,
      storage: [
        { type: 's3', bucket: 'no-such-bucket', endpoint_url: s3url, allow_http: true, access_key_id: 'S3RVER', secret_access_key_var: 'S3_SECRET', ...retry },
        { type: 'http', endpoint: `${http.url}/atif`, ...retry },
      ],
    },
    atof: { enabled: true, sinks: [{ type: 'file', output_directory: '/dev', filename: 'full', mode: 'append' }] },
  };
  const records = readRecording(path.join(import.meta.dirname, '../../../fixtures/gateway-tool-call.jsonl'));
  let clock = records[0]!.ts;
  const rt = new Runtime({
    rawConfig: { plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: observability }] } },
    env,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    pluginVersion: '0.1.0',
    openclawVersion: '2026.9.6',
    now: () => clock,
    ids: sequentialIds(),
    outputs: OUTPUTS,
  });
  expect(rt.loaded.issues).toEqual([]);
  let slowest = 0;
  for (const r of records) {
    clock = r.ts;
    rt.tick();
    const t0 = performance.now();
    rt.dispatch(r.hook, r.event, r.ctx);
    slowest = Math.max(slowest, performance.now() - t0);
  }
  clock += 60_000;
  rt.tick();
  await rt.flush();

  const files = (await readdir(atifDir)).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const byName = () => new Map(rt.sinkHealth().map((h) => [h.name, h]));
  // Every attempt counted; after max_attempts the file is dropped (counted), and stays on disk.
  await until(() => byName().get('atif.storage[0]')!.dropped === files.length && byName().get('atif.storage[1]')!.dropped === files.length, 10_000, 'uploads given up');
  const health = byName();
  expect(health.get('atif.storage[0]')).toMatchObject({ state: 'degraded', exported: 0, failures: 2 * files.length });
  expect(health.get('atif.storage[0]')!.lastError!.message).toMatch(/NoSuchBucket|does not exist/i);
  expect(health.get('atif.storage[1]')).toMatchObject({ state: 'degraded', exported: 0, failures: 2 * files.length });
  expect(health.get('atif.storage[1]')!.lastError!.message).toMatch(/500/);
  expect(http.requests).toHaveLength(2 * files.length);
  const journal = health.get('atof.sinks[0]')!;
  expect(journal).toMatchObject({ state: 'degraded', exported: 0 });
  expect(journal.failures).toBeGreaterThan(0);
  expect(journal.dropped).toBe(records.length);
  expect(journal.lastError!.message).toMatch(/ENOSPC/);

  const status = buildStatus(rt);
  const schema = JSON.parse(await readFile(path.join(import.meta.dirname, '../../../schemas/status.schema.json'), 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
  expect(validate(JSON.parse(JSON.stringify(status))), JSON.stringify(validate.errors)).toBe(true);
  expect(status.state).toBe('degraded');
  expect(status.reasons.join('\n')).toMatch(/atif\.storage\[0\]: .*(NoSuchBucket|does not exist)/i);
  expect(status.reasons.join('\n')).toMatch(/atif\.storage\[1\]: .*500/);
  expect(status.reasons.join('\n')).toMatch(/atof\.sinks\[0\]: .*ENOSPC/);
  expect(status.outputs.find((o) => o.name === 'atif')).toMatchObject({ state: 'ok', failures: 0 });

  // The local copies are whole and valid: the recovery copy.
  for (const f of files) expect(validateAtif(JSON.parse(await readFile(path.join(atifDir, f), 'utf8'))).errors).toEqual([]);
  // The hook path never waited on any of it.
  expect(slowest).toBeLessThan(50);
  await rt.stop('test_end', 10_000);
  await http.stop();
});
