// The backlog's byte estimate: what the queue weighs against its budget before a span is
// encoded. It follows the jobs exactly (offered, partly taken, failed, cleared) and learns the
// encoded size per span from the requests encoded so far.

import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';

import { JobBacklog } from '../../../../src/outputs/otlp/job-encoder.ts';

const fakeSpan = (text: number) => ({ attributes: { t: 'x'.repeat(text) } }) as unknown as ReadableSpan;
const job = (count: number, text = 10) => ({ count, build: () => Array.from({ length: count }, () => fakeSpan(text)) });
const noError = () => {
  throw new Error('no build error expected');
};

describe('JobBacklog byte estimate', () => {
  it('counts each job by its estimate until its last span is taken, then nothing', () => {
    const b = new JobBacklog();
    b.push(job(5), b.estimate(5));
    b.push(job(3), b.estimate(3));
    const total = b.bytes;
    expect(total).toBe(b.estimate(8));
    // A batch of 4 takes part of the first job: its estimate shrinks with its spans.
    expect(b.next(4, 1 << 30, noError)).toHaveLength(4);
    expect(b.bytes).toBeGreaterThan(0);
    expect(b.bytes).toBeLessThan(total);
    expect(b.spans).toBe(4);
    expect(b.next(100, 1 << 30, noError)).toHaveLength(4);
    expect(b.spans).toBe(0);
    expect(b.bytes).toBe(0);
  });

  it('a job whose build throws leaves neither spans nor bytes behind', () => {
    const b = new JobBacklog();
    b.push({ count: 4, build: () => { throw new Error('bad run'); } }, b.estimate(4));
    b.push(job(2), b.estimate(2));
    const lost: number[] = [];
    expect(b.next(10, 1 << 30, (_e, n) => lost.push(n))).toHaveLength(2);
    expect(lost).toEqual([4]);
    expect([b.spans, b.bytes]).toEqual([0, 0]);
  });

  it('learns the encoded bytes per span from what was encoded', () => {
    const b = new JobBacklog();
    const first = b.estimate(100);
    // Requests of 100 spans at 50 kB a span: the estimate moves to ~50 kB a span.
    for (let i = 0; i < 10; i++) b.learn(100 * 50_000, 100);
    expect(b.estimate(100)).toBeGreaterThan(first);
    expect(b.estimate(100)).toBeGreaterThan(100 * 45_000);
    expect(b.estimate(100)).toBeLessThanOrEqual(100 * 50_000);
    b.push(job(7), b.estimate(7));
    expect(b.clear()).toBe(7);
    expect([b.spans, b.bytes]).toEqual([0, 0]);
  });
});
