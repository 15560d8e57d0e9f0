// An OTLP endpoint that is down for a whole session, through the registered handlers: it
// answers 500, 503, refuses connections, hangs, answers 200 with garbage, speaks broken
// HTTP, or resets the connection. Each time:
//   - every handler returns synchronously (undefined, never a promise), far faster than the
//     export timeout: nothing on the hook path waits for the network;
//   - failures and drops are counted and status says which output failed and why;
//   - every span is accounted for: exported + failed + dropped = offered (a healthy run of
//     the same session tells how many were offered);
//   - export resumes when the endpoint is back, and ATIF is untouched throughout.
// The endpoint is a small front server on a fixed port that misbehaves on demand and, when
// healthy, relays to the real OTLP receiver (test/support/otlp-receiver.ts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetSharedRuntime } from '../../../src/runtime/global.ts';
import { fire } from '../../support/fake-host.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver.ts';
import { retag } from '../../support/streams.ts';
import { agentSteps, eventually, fixture, inspectAtifDir, macrotask, pluginConfig, scratch, setupPlugin, status, stopGateway, type Plugin, removeScratch } from './helpers.ts';

afterAll(removeScratch);

type Mode = 'ok' | '500' | '503' | 'refused' | 'hang' | 'garbage-200' | 'html-200' | 'bad-http' | 'reset';

interface Front {
  url: string;
  mode: Mode;
  attempts: number;
  set(mode: Mode): Promise<void>;
  close(): Promise<void>;
}

/** An endpoint that misbehaves as told; in mode 'ok' it relays to the real receiver. */
async function startFront(target: OtlpReceiver): Promise<Front> {
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];
  let server: Server;
  let port = 0;
  const front: Front = {
    url: '',
    mode: 'ok',
    attempts: 0,
    async set(mode: Mode) {
      const wasRefused = this.mode === 'refused';
      this.mode = mode;
      if (mode !== 'hang') for (const r of held.splice(0)) r.destroy();
      if (mode === 'refused' && !wasRefused) await stop();
      if (mode !== 'refused' && wasRefused) await listen();
    },
    async close() {
      for (const r of held.splice(0)) r.destroy();
      await stop();
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    front.attempts++;
    switch (front.mode) {
      case 'ok': {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          // Hop-by-hop headers stay here (fetch refuses some of them).
          if (typeof v === 'string' && !['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) headers[k] = v;
        }
        const answer = await fetch(target.url, { method: 'POST', headers, body: Buffer.concat(chunks) });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/x-protobuf' }).end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      case '500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case '503':
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('unavailable');
        return;
      case 'hang':
        held.push(res);
        return;
      case 'garbage-200':
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x0a, 0x99]));
        return;
      case 'html-200':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
        return;
      case 'bad-http':
        req.socket.write('HTTP/1.1 2OO Okay-ish\r\nContent-Length: 999\r\n\r\nshort');
        req.socket.destroy();
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'refused':
        res.destroy();
    }
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        front.url = `http://127.0.0.1:${port}/v1/traces`;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen();
  return front;
}

let receiver: OtlpReceiver;
let front: Front;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  front = await startFront(receiver);
});
afterAll(async () => {
  await front?.close();
  await receiver?.close();
});
afterEach(() => resetSharedRuntime());

const TIMEOUT = 1000;

function setup(): { p: Plugin; out: string } {
  const out = join(scratch('nr-otlp-outage-'), 'out');
  const p = setupPlugin(
    pluginConfig(out, {
      // A spool of its own per test: nothing parked by one mode is delivered during another.
      otlp: { endpoint: front.url, timeout_millis: TIMEOUT, max_queue_size: 64, max_export_batch_size: 8, scheduled_delay_millis: 10, spool: { directory: join(out, '..', 'spool') } },
    }),
  );
  return { p, out };
}

interface Played {
  slowestMs: number;
  slowestHook: string;
  dispatches: number;
}

/** A whole recorded session (two turns, three model calls, a tool), turn by turn, with pauses. */
async function session(p: Plugin, tag: string): Promise<Played> {
  let slowestMs = 0;
  let slowestHook = '';
  let dispatches = 0;
  for (const r of retag(fixture('gateway-tool-call.jsonl'), tag)) {
    if (r.hook === 'gateway_stop') continue;
    const t = performance.now();
    const results = fire(r.registrationMode === 'full' ? p.full : p.discovery, r.hook, r.event, r.ctx);
    if (performance.now() - t > slowestMs) {
      slowestMs = performance.now() - t;
      slowestHook = r.hook;
    }
    dispatches++;
    // Synchronous by construction: a handler that waited for anything would return a promise.
    for (const x of results) expect(x).toBeUndefined();
    // Between hooks a gateway does other work; let the exporter run meanwhile.
    if (r.hook === 'agent_end' || r.hook === 'llm_output') await macrotask();
  }
  // The run's grace window passes, its spans go to the queue; the session then ends.
  await new Promise((r) => setTimeout(r, 30));
  return { slowestMs, slowestHook, dispatches };
}

const SESSIONS = 6;
let offeredPerSession = 0;

describe('OTLP endpoint down for a whole session', () => {
  it('baseline: a healthy endpoint receives every span of the session', async () => {
    await front.set('ok');
    receiver.clear();
    const { p } = setup();
    for (let i = 0; i < SESSIONS; i++) await session(p, `base${i}`);
    await stopGateway(p);
    const h = p.runtime.sinkHealth().find((o) => o.name === 'opentelemetry')!;
    expect(h.failures, JSON.stringify(h)).toBe(0);
    expect(h.dropped, JSON.stringify(h)).toBe(0);
    expect(receiver.spans().length).toBe(h.exported);
    offeredPerSession = h.exported / SESSIONS;
    expect(Number.isInteger(offeredPerSession)).toBe(true);
    expect(offeredPerSession).toBeGreaterThanOrEqual(7); // session, 2 runs, 3 LLM calls, 1 tool
  });

  // `parks`: a retryable failure; the spans wait (memory or spool) and are sent once it is back.
  const modes: { mode: Mode; error: RegExp; parks?: boolean }[] = [
    { mode: '500', error: /500/ },
    { mode: '503', error: /503|unavailable|timed out|retry/i, parks: true },
    { mode: 'refused', error: /ECONNREFUSED|ECONNRESET|socket hang up/, parks: true },
    { mode: 'hang', error: /time/i, parks: true },
    { mode: 'bad-http', error: /parse|HPE|socket|ECONNRESET|protocol|invalid/i, parks: true },
    { mode: 'reset', error: /ECONNRESET|socket hang up|closed/i, parks: true },
    { mode: 'garbage-200', error: /.*/ },
    { mode: 'html-200', error: /.*/ },
  ];

  for (const { mode, error, parks } of modes) {
    it(`${mode}: handlers never wait, failures and drops are counted and reported, every span accounted for, export resumes`, async () => {
      expect(offeredPerSession, 'the baseline ran first').toBeGreaterThan(0);
      await front.set(mode);
      receiver.clear();
      const { p, out } = setup();
      let slowest = { slowestMs: 0, slowestHook: '', dispatches: 0 };
      for (let i = 0; i < SESSIONS; i++) {
        const played = await session(p, `${mode}-${i}`);
        if (played.slowestMs > slowest.slowestMs) slowest = played;
      }
      // Far below the export timeout: nothing on the hook path waited for the endpoint.
      expect(slowest.slowestMs, slowest.slowestHook).toBeLessThan(TIMEOUT / 5);
      console.log(`[collector-outage] ${mode}: slowest of ${slowest.dispatches * SESSIONS} handler calls ${slowest.slowestMs.toFixed(1)} ms (${slowest.slowestHook}); export timeout ${TIMEOUT} ms`);
      await eventually(() => front.attempts > 0 || mode === 'refused', 5000, 'an export attempt');

      // Let every attempt finish or time out; then count: every span is exported, refused for
      // good, dropped (counted by reason) or parked (in memory or on disk, to be retried).
      const offered = offeredPerSession * SESSIONS;
      const accounted = (h: ReturnType<typeof p.runtime.sinkHealth>[number]) => h.exported + Number(h.details?.['failedSpans'] ?? 0) + h.dropped + h.queueDepth;
      await eventually(() => {
        const h = p.runtime.sinkHealth().find((o) => o.name === 'opentelemetry')!;
        const settled = h.queueDepth === 0 || (parks === true && h.details?.['retryingSince'] !== undefined);
        return Number(h.details?.['inFlight'] ?? 0) === 0 && Number(h.details?.['backlogSpans'] ?? 0) === 0 && settled && accounted(h) === offered;
      }, 10_000, 'the queue to drain into failures or park');
      const h = p.runtime.sinkHealth().find((o) => o.name === 'opentelemetry')!;
      const failedSpans = Number(h.details?.['failedSpans'] ?? 0);
      // Every span is exported, refused for good, dropped (counted by reason) or parked.
      expect(accounted(h), JSON.stringify(h)).toBe(offered);
      const parked = h.queueDepth;
      if (parks) {
        // Nothing is lost to a retryable outage.
        expect(h.dropped, JSON.stringify(h)).toBe(0);
        expect(failedSpans).toBe(0);
        expect(parked).toBe(offered);
      }
      if (mode === 'garbage-200' || mode === 'html-200') {
        // A 200 is a 200: the collector took the request whatever its body said. Counted as sent.
        expect(h.exported + failedSpans).toBeGreaterThan(0);
      } else {
        expect(h.exported).toBe(0);
        expect(h.failures).toBeGreaterThan(0);
        expect(h.state).toBe('degraded');
        expect(h.lastError?.message).toMatch(error);
        const s = await status(p);
        expect(s.state).toBe('degraded');
        expect(s.reasons.some((r) => r.startsWith('opentelemetry: '))).toBe(true);
      }

      // The endpoint comes back: the next session's spans arrive, health recovers.
      const exportedBefore = h.exported;
      await front.set('ok');
      await session(p, `${mode}-back`);
      fire(p.full, 'session_end', { sessionKey: `agent:main:fx-tool~${mode}-back`, reason: 'idle' }, {});
      const otlpHealth = () => p.runtime.sinkHealth().find((o) => o.name === 'opentelemetry')!;
      await eventually(() => otlpHealth().exported >= exportedBefore + offeredPerSession + parked, 15_000, 'spans exported after recovery');
      // The parked spans come too, retried after the outage.
      expect(receiver.spans().length).toBe(offeredPerSession + parked);
      const back = otlpHealth();
      expect(back.state, JSON.stringify(back)).toBe('ok');
      expect(back.lastSuccessTime).toBeDefined();
      const s = await status(p);
      expect(s.state, JSON.stringify(s.reasons)).toBe('ready');

      // ATIF never noticed.
      await stopGateway(p);
      const report = inspectAtifDir(out);
      expect(report.problems).toEqual([]);
      expect(report.files).toHaveLength(SESSIONS + 1);
      for (const doc of report.docs.values()) expect(agentSteps(doc)).toHaveLength(3);
    }, 30_000);
  }
});
