// A system step in pieces must be byte for byte its plain serialization, and equal prompts must
// share one escaped copy, within the cache's bounds.

import { describe, expect, it } from 'vitest';
import { Pieces, systemStepPieces } from '../../../../src/outputs/atif/pieces.ts';
import type { AtifStepBody } from '../../../../src/outputs/atif/types.ts';

const plain = (step: AtifStepBody) => Buffer.from(JSON.stringify(step).slice(1), 'utf8');
/** A fresh string each call (never the same object), `chars` long. */
const prompt = (seed: string, chars = 6000) => (`${seed} — "quoted" \\ back\nslash\tü€😀 \u0000` + 'x'.repeat(chars)).slice(0, chars);

describe('a system step in pieces', () => {
  it('is byte for byte the plain serialization, whatever the step holds', () => {
    const steps: AtifStepBody[] = [
      { source: 'system', message: prompt('a') },
      { source: 'system', message: prompt('b'), timestamp: '2026-09-06T10:00:00.000Z' },
      // OpenClaw's own text beside it, even one that looks like the marker's surroundings.
      { source: 'system', message: prompt('c'), timestamp: '2026-09-06T10:00:00.000Z', extra: { openclaw_system_prompt: `"message":"\u0000shared_message\u0000" ${prompt('d')}` } },
    ];
    for (const step of steps) {
      const pieces = systemStepPieces(step);
      expect(pieces).toBeInstanceOf(Pieces);
      expect(pieces!.joined().equals(plain(step))).toBe(true);
      expect(pieces!.length).toBe(plain(step).length);
      expect(pieces!.own).toBe(pieces!.length - Buffer.byteLength(JSON.stringify(step.message)));
    }
  });

  it('is only made for long system messages', () => {
    expect(systemStepPieces({ source: 'system', message: 'short' })).toBeUndefined();
    expect(systemStepPieces({ source: 'user', message: prompt('u') })).toBeUndefined();
    expect(systemStepPieces({ source: 'agent', message: prompt('g') })).toBeUndefined();
  });

  it('shares one escaped copy of equal prompts, and the cache stays bounded', () => {
    const first = systemStepPieces({ source: 'system', message: prompt('same'), timestamp: '2026-09-06T10:00:00.000Z' })!;
    const second = systemStepPieces({ source: 'system', message: prompt('same'), timestamp: '2026-09-06T11:00:00.000Z' })!;
    expect(second.parts[1]).toBe(first.parts[1]);
    expect(second.parts[0] === first.parts[0]).toBe(false);

    // Eight distinct texts at most: a ninth pushes the least recently used one out.
    const texts = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const held = texts.map((t) => systemStepPieces({ source: 'system', message: prompt(t) })!.parts[1]);
    expect(systemStepPieces({ source: 'system', message: prompt('t8') })!.parts[1]).toBe(held[8]);
    expect(systemStepPieces({ source: 'system', message: prompt('t0') })!.parts[1] === held[0]).toBe(false);

    // And 8 MiB at most: three 3 MiB prompts do not all stay.
    const big = ['A', 'B', 'C'].map((t) => systemStepPieces({ source: 'system', message: prompt(t, 3 << 20) })!.parts[1]);
    expect(systemStepPieces({ source: 'system', message: prompt('C', 3 << 20) })!.parts[1] === big[2]).toBe(true);
    // (Identity compared by hand: a failing not.toBe would deep-compare 3 MiB Buffers.)
    expect(systemStepPieces({ source: 'system', message: prompt('A', 3 << 20) })!.parts[1] === big[0]).toBe(false);

    // One text larger than the whole cache is not kept, and pushes nothing out.
    const huge = prompt('H', 9 << 20);
    const first9 = systemStepPieces({ source: 'system', message: huge })!;
    expect(first9.joined().equals(plain({ source: 'system', message: huge }))).toBe(true);
    expect(systemStepPieces({ source: 'system', message: prompt('H', 9 << 20) })!.parts[1] === first9.parts[1]).toBe(false);
    expect(systemStepPieces({ source: 'system', message: prompt('C', 3 << 20) })!.parts[1] === big[2]).toBe(true);
  });
});
