// The background lane: order, never on the caller's stack, yielding to hooks while they keep
// arriving but always progressing, catching up past a backlog, and draining at shutdown.

import { describe, expect, it } from 'vitest';
import { BackgroundLane } from '../../../src/fanout/lane.ts';

const macrotask = () => new Promise<void>((r) => setImmediate(r));

/** A unit that really takes `ms` of the thread. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('BackgroundLane', () => {
  it('runs units in order, never inside the caller, and resolves each with its result', async () => {
    const lane = new BackgroundLane();
    const seen: number[] = [];
    const results = [1, 2, 3].map((n) => lane.run(() => (seen.push(n), n * 10)));
    expect(seen).toEqual([]);
    expect(await Promise.all(results)).toEqual([10, 20, 30]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a unit that throws rejects its own promise; the next units still run', async () => {
    const lane = new BackgroundLane();
    const bad = lane.run(() => {
      throw new Error('boom');
    });
    const good = lane.run(() => 'ok');
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe('ok');
  });

  it('while hooks keep arriving it holds back to a small share of the time (a tenth), yet makes progress', async () => {
    const lane = new BackgroundLane();
    let done = 0;
    for (let i = 0; i < 400; i++) void lane.run(() => (spin(2), done++));
    // A busy gateway: hooks between every turn of the loop, for 400 ms.
    const t0 = performance.now();
    while (performance.now() - t0 < 400) {
      lane.noteHook();
      await macrotask();
    }
    const elapsed = performance.now() - t0;
    const during = done;
    // Loose bounds (a loaded machine stretches everything): clearly more than nothing, clearly
    // less than all of the loop. Unthrottled, 400 ms would run ~200 of these 2 ms units.
    expect(during).toBeGreaterThanOrEqual(5);
    expect(lane.stats.busyMs / elapsed).toBeLessThan(0.5);
    // Quiet again: the rest runs.
    await lane.settled();
    expect(done).toBe(400);
  });

  it('a backlog that keeps waiting is worked off even while hooks never stop', async () => {
    const lane = new BackgroundLane({ softAgeMs: 20, hardAgeMs: 60 });
    let done = 0;
    // 300 ms of work: held to a tenth of the loop it cannot finish in less than 3 s, whatever
    // the machine; escalated it takes ~0.3 s idle, and 2 s leaves room for a loaded machine.
    for (let i = 0; i < 300; i++) void lane.run(() => (spin(1), done++));
    const t0 = performance.now();
    while (performance.now() - t0 < 2_000 && lane.pending > 0) {
      lane.noteHook();
      await macrotask();
    }
    expect(done).toBe(300);
  });

  it('hurry() stops holding back; drainSync() runs what is queued at once (process exit)', async () => {
    const lane = new BackgroundLane();
    const order: string[] = [];
    void lane.run(() => order.push('a'));
    void lane.run(() => order.push('b'));
    lane.noteHook();
    lane.drainSync();
    expect(order).toEqual(['a', 'b']);
    expect(lane.pending).toBe(0);

    const hurried = new BackgroundLane();
    let ran = false;
    void hurried.run(() => (ran = true));
    hurried.noteHook();
    hurried.hurry();
    hurried.noteHook();
    await macrotask();
    expect(ran).toBe(true);
  });

  it('settled() waits for every unit queued before it', async () => {
    const lane = new BackgroundLane();
    let n = 0;
    for (let i = 0; i < 5; i++) void lane.run(() => n++);
    await lane.settled();
    expect(n).toBe(5);
    await expect(lane.settled()).resolves.toBeUndefined();
  });
});
