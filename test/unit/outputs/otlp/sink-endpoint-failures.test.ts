// An OTLP endpoint that answers 500, refuses connections or hangs: the hook path never
// waits for it, failures and drops are counted in health, max_queue_size drops nothing, export
// resumes when the endpoint comes back, and shutdown is bounded.

import { afterEach, describe, expect, it } from 'vitest';

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import type { TraceSink } from '../../../../src/fanout/sink.ts';
import type { Run, Session } from '../../../../src/trace/model.ts';
import { startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { OtlpReceiver } from '../../../support/otlp-receiver.ts';
import { TREE_SPAN_COUNT, bareSession, otlpConfig, simpleRun } from './session-fixture.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function receiver(): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  cleanup.push(() => r.close());
  return r;
}

function sinkFor(url: string, overrides: Parameters<typeof otlpConfig>[1] = {}, shutdownTimeoutMillis?: number): TraceSink {
  // Short retry pacing: a failed request is retried (not lost) once the endpoint is back.
  const backoff = { initialMs: 50, maxMs: 200 };
  const s = createOtlpOutputSink(otlpConfig(url, overrides), shutdownTimeoutMillis === undefined ? { backoff } : { shutdownTimeoutMillis, backoff });
  cleanup.push(() => s.shutdown());
  return s;
}

/** Polls until `check` holds: for effects the client sees a moment after the server. */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let runCounter = 0;
/** A fresh run of 2 + tools spans in `session`. */
function nextRun(session: Session, tools = 0): Run {
  return simpleRun(session, ++runCounter, tools);
}

describe('endpoint answering 500', () => {
  it('counts the failure, shows it in health, and resumes when the endpoint recovers', async () => {
    const r = await receiver();
    r.setMode('fail');
    const sink = sinkFor(r.url);
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    let h = sink.health();
    expect(h.state).toBe('degraded');
    expect(h.failures).toBe(1);
    expect(h.exported).toBe(0);
    expect(h.details?.['failedSpans']).toBe(2);
    expect(h.lastError?.message).toContain('500');
    expect(h.lastSuccessTime).toBeUndefined();
    expect(r.attempts).toBe(1); // a 500 is not retried

    r.setMode('ok');
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    h = sink.health();
    expect(h.state).toBe('ok');
    expect(h.exported).toBe(2);
    expect(h.failures).toBe(1);
    expect(h.lastSuccessTime).toBeDefined();
    expect(r.spans()).toHaveLength(2);
  });
});

describe('endpoint refusing connections', () => {
  it('counts the failure and exports again once the endpoint listens again', async () => {
    const r = await receiver();
    const sink = sinkFor(r.url, { timeoutMillis: 400 });
    const session = bareSession();
    // Warm the keep-alive connection first: the refusal must also cut reused sockets.
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    expect(r.spans()).toHaveLength(2);

    await r.refuse();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    const h = sink.health();
    expect(h.state).toBe('degraded');
    expect(h.failures).toBeGreaterThanOrEqual(1);
    expect(h.lastError?.message).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);

    await r.resume();
    sink.runEnded(session, nextRun(session));
    // The refused request is retried with backoff: nothing is lost.
    await eventually(() => sink.health().exported === 6);
    expect(sink.health().state).toBe('ok');
    expect(r.spans()).toHaveLength(6);
    expect(sink.health().dropped).toBe(0);
  });

  it('never reaches a closed port, yet never throws or blocks', async () => {
    const r = await receiver();
    await r.refuse();
    const sink = sinkFor(r.url, { timeoutMillis: 300, maxQueueSize: 10, maxExportBatchSize: 5 });
    const session = bareSession();
    for (let i = 0; i < 20; i++) expect(() => sink.runEnded(session, nextRun(session))).not.toThrow();
    const h = sink.health();
    // 40 spans offered, 4 times max_queue_size: a soft bound now, well within the byte budget,
    // so every span is kept (one batch may already have left for the network).
    expect(h.dropped).toBe(0);
    expect(h.queueDepth + Number(h.details?.['inFlight'] ?? 0)).toBe(40);
    await sink.flush();
    expect(sink.health().failures).toBeGreaterThanOrEqual(1);
    expect(sink.health().exported).toBe(0);
  });
});

describe('endpoint hanging', () => {
  it('runEnded does not wait for the network: a burst past max_queue_size completes while a request hangs, and nothing is dropped', async () => {
    const r = await receiver();
    r.setMode('hang');
    // A long request timeout: the hung request must still be hanging when the burst is checked.
    const sink = sinkFor(r.url, { maxQueueSize: 20, maxExportBatchSize: 10, scheduledDelayMillis: 5, timeoutMillis: 10_000 });
    const session = bareSession();
    sink.runEnded(session, nextRun(session, 3)); // 5 spans: the batch that will hang
    await r.waitForAttempts(1);
    expect(r.hanging).toBe(1);
    expect(sink.health().details?.['inFlight']).toBe(5);

    // 10 runs × 5 spans while the only export request is stuck on the server.
    const burst = Array.from({ length: 10 }, () => nextRun(session, 3));
    for (const run of burst) sink.runEnded(session, run);
    // Had any call waited for the network, the hung request would have timed out by now.
    expect(r.hanging).toBe(1);
    const h = sink.health();
    // 50 spans against max_queue_size 20: the count is only a soft bound, bytes decide.
    expect(h.queueDepth).toBe(50);
    expect(h.dropped).toBe(0);
    expect(h.details?.['inFlight']).toBe(5);

    // The endpoint comes back: whatever was queued is delivered (the hung request too, retried).
    r.setMode('ok');
    await eventually(() => sink.health().exported >= 55);
    const after = sink.health();
    expect(after.state).toBe('ok');
    expect(r.spans().length).toBeGreaterThanOrEqual(55);
    expect(after.exported).toBe(55);
    expect(after.queueDepth).toBe(0);
    expect(after.dropped).toBe(0);
  });

  it('counts a request that times out as a failure', async () => {
    const r = await receiver();
    r.setMode('hang');
    const sink = sinkFor(r.url, { timeoutMillis: 300 });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    const h = sink.health();
    expect(h.failures).toBe(1);
    expect(h.state).toBe('degraded');
    expect(h.lastError?.message).toMatch(/time/i);
  });

  it('shutdown is bounded, abandons what is left as dropped, and later calls count as drops', async () => {
    const r = await receiver();
    r.setMode('hang');
    // A 30 s request timeout: an unbounded shutdown would wait for it.
    const sink = sinkFor(r.url, { timeoutMillis: 30_000, maxExportBatchSize: 2 }, 200);
    const session = bareSession();
    // Two requests in flight (the export concurrency), both hung; the third waits in memory.
    sink.runEnded(session, nextRun(session));
    await r.waitForAttempts(1);
    sink.runEnded(session, nextRun(session));
    await r.waitForAttempts(2);
    sink.runEnded(session, nextRun(session));
    const outcome = await Promise.race([
      sink.shutdown().then(() => 'returned'),
      new Promise((resolve) => setTimeout(resolve, 10_000, 'still waiting')),
    ]);
    expect(outcome).toBe('returned');
    const h = sink.health();
    expect(h.state).toBe('stopped');
    // No spool configured: what never left memory is dropped as `shutdown`.
    expect(h.dropped).toBe(2);
    expect((h.details?.['droppedBy'] as Record<string, number>)['shutdown']).toBe(2);
    sink.runEnded(session, nextRun(session));
    sink.sessionEnded(session);
    expect(sink.health().dropped).toBeGreaterThanOrEqual(5);
  });
});

describe('health never leaks secrets', () => {
  it('redacts userinfo, query secrets and header values from endpoint and errors', async () => {
    const r = await receiver();
    r.setMode('fail');
    const endpoint = `http://tracer:hunter2pw@127.0.0.1:${r.port}/v1/traces?api_key=abc123secret&region=eu`;
    const sink = sinkFor(endpoint, { headers: { authorization: 'Bearer tok_supersecret_9876', 'x-api-key': 'key-secret-5555' } });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    expect(r.attempts).toBe(1);
    expect(r.requests).toHaveLength(0);
    const h = sink.health();
    expect(h.failures).toBe(1);
    const text = JSON.stringify(h);
    for (const secret of ['hunter2pw', 'abc123secret', 'tok_supersecret_9876', 'key-secret-5555']) expect(text).not.toContain(secret);
    expect(h.details?.['endpoint']).toBe(`http://[redacted]@127.0.0.1:${r.port}/v1/traces?api_key=[redacted]&region=[redacted]`);
  });
});

describe('a broken output never breaks the gateway', () => {
  it('an unparsable endpoint degrades the output, counts drops, and throws nothing', async () => {
    const sink = sinkFor('::not a url::');
    const session = bareSession();
    expect(() => sink.runEnded(session, nextRun(session))).not.toThrow();
    expect(() => sink.sessionEnded(session)).not.toThrow();
    await sink.flush();
    const h = sink.health();
    expect(h.state).toBe('degraded');
    expect(h.dropped).toBe(3);
    expect(h.lastError).toBeDefined();
  });

  it('malformed model objects are counted, not thrown', async () => {
    const r = await receiver();
    const sink = sinkFor(r.url);
    const session = bareSession();
    expect(() => sink.runEnded(session, { spanId: 'x' } as unknown as Run)).not.toThrow();
    expect(() => sink.sessionEnded({ runs: 'nope' } as unknown as Session)).not.toThrow();
    await sink.flush();
    expect(sink.health().details?.['internalErrors']).toBe(2);
    // The output still works afterwards.
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    expect(r.spans()).toHaveLength(2);
  });

  it('a disabled output does nothing and says so', async () => {
    const r = await receiver();
    const sink = sinkFor(r.url, { enabled: false });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await sink.flush();
    expect(sink.health()).toMatchObject({ state: 'disabled', enabled: false, exported: 0, dropped: 0 });
    expect(r.attempts).toBe(0);
  });
});

describe('batching', () => {
  it('splits the queue into batches of max_export_batch_size', async () => {
    const r = await receiver();
    const sink = sinkFor(r.url, { maxExportBatchSize: 4, scheduledDelayMillis: 1000 });
    const session = bareSession();
    for (let i = 0; i < 5; i++) sink.runEnded(session, nextRun(session)); // 10 spans
    await sink.flush();
    expect(r.requests.map((q) => q.spans.length)).toEqual([4, 4, 2]);
    expect(sink.health().exported).toBe(10);
  });

  it('exports a partial batch after scheduled_delay_millis without a flush', async () => {
    const r = await receiver();
    const sink = sinkFor(r.url, { maxExportBatchSize: 100, scheduledDelayMillis: 30 });
    const session = bareSession();
    sink.runEnded(session, nextRun(session));
    await r.waitForSpans(2, 5000);
    await eventually(() => sink.health().exported === 2);
  });
});

describe('process exit', () => {
  // The child runs a .ts file directly: that needs Node's type stripping (Node >= 22.18 / 24).
  const canRunTs = Boolean((process.features as { typescript?: unknown }).typescript);
  it.skipIf(!canRunTs)('flushSync delivers what is still queued when the process exits without awaiting', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const r = await receiver();
    const script = fileURLToPath(new URL('./exit-flush-child.ts', import.meta.url));
    const child = spawn(process.execPath, [script, r.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(r.spans()).toHaveLength(TREE_SPAN_COUNT);
    expect(r.requests[0]?.contentEncoding).toBe('gzip');
    expect(r.requests[0]?.headers['x-project-name']).toBe('exit-test');
    const health = JSON.parse(out) as { exported: number; queueDepth: number };
    expect(health.exported).toBe(TREE_SPAN_COUNT);
    expect(health.queueDepth).toBe(0);
  });
});
