// A process that stands still past a request's deadline must not count an answer that
// arrived during the stall as a timeout. The collector runs in a child process so that it
// answers while this one is blocked; the block is a real synchronous busy loop.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../../src/outputs/otlp/http-transport.ts';
import { deadlineSignal, startDeadline } from '../../../src/util/deadline.ts';

let server: ChildProcess;
let url: string;

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => (req.url === '/slow' ? setTimeout(() => res.end('ok'), 1200) : res.end('ok')));
});
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

/** Blocks this thread, as a gateway busy with synchronous work does. */
function standStill(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  url = `http://127.0.0.1:${line.toString().trim()}`;
  // Warm the connection path once so the measured request is only the stall.
  await fetch(url, { method: 'POST', body: 'warm' }).then((r) => r.text());
});

afterAll(() => {
  server?.kill();
});

describe('deadlines over a stalled event loop', () => {
  it('control: AbortSignal.timeout expires an answer that came during the stall', async () => {
    const pending = fetch(url, { method: 'POST', body: 'x', signal: AbortSignal.timeout(300) }).then((r) => r.text());
    standStill(1_200);
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('deadlineSignal lets the answer in after a stall', async () => {
    const deadline = deadlineSignal(300);
    const pending = fetch(url, { method: 'POST', body: 'x', signal: deadline.signal }).then((r) => r.text());
    standStill(1_200);
    await expect(pending).resolves.toBe('ok');
    deadline.clear();
  });

  it('gives back the time a stall took, even when the request was not yet sent', async () => {
    // The stall outlasts the whole deadline before fetch has written anything; the peer then
    // needs 1.2 s. Counting only running time, 1 s of deadline is still left for it.
    const deadline = deadlineSignal(1_000);
    const pending = fetch(`${url}/slow`, { method: 'POST', body: 'x', signal: deadline.signal }).then((r) => r.text());
    standStill(3_000);
    await expect(pending).resolves.toBe('ok');
    deadline.clear();
  });

  it('the OTLP/HTTP transport delivers an export whose answer came during a stall', async () => {
    const transport = createHttpTransport({ url: `${url}/v1/traces`, headers: {}, compression: 'none', maxSockets: 2 });
    const pending = transport.send(new Uint8Array([1, 2, 3]), 300);
    standStill(1_200);
    expect(await pending).toEqual({ kind: 'ok' });
    transport.close();
  });

  it('a deadline that fires on time expires on time; a stalled one still expires within its bound', async () => {
    let t0 = performance.now();
    await new Promise<void>((r) => startDeadline(100, r));
    expect(performance.now() - t0).toBeLessThan(1_000);
    // A silent peer and a stall: the grace is bounded, so the deadline still ends.
    t0 = performance.now();
    const expired = new Promise<void>((r) => startDeadline(100, r));
    standStill(700);
    await expired;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(700 + 100 + 2_000 + 1_000);
  });
});
