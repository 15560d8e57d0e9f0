// jsonBytes must equal the UTF-8 length of JSON.stringify for anything a rebuilt request can
// hold: the proof of a provider's input is a byte-for-byte length comparison.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSizeMemo, jsonBytes, sizedOnce } from '../../../src/finalize/json-size.ts';

const stringified = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

describe('jsonBytes', () => {
  it('equals the UTF-8 length of JSON.stringify for any JSON-like value', () => {
    // Full Unicode strings (lone surrogates included), odd numbers, undefined members, sparse arrays.
    const leaf = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme', minLength: 250, maxLength: 400 }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 6 }),
      object: fc.dictionary(fc.string({ unit: 'binary', maxLength: 12 }), tie('node'), { maxKeys: 6 }),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const memo = new JsonSizeMemo();
        expect(jsonBytes({ v, again: v }, memo)).toBe(stringified({ v, again: v }));
      }),
      { numRuns: 400 },
    );
  });

  it('counts every escape and UTF-8 width as JSON.stringify writes it', () => {
    const hard = ['', '"\\', '\b\t\n\f\r', '\u0000\u0001\u001f\u007f', 'é€😀', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00\ud83d', '\u2028\u2029'];
    for (const s of hard) expect(jsonBytes(s), JSON.stringify(s)).toBe(stringified(s));
    const long = hard.join('|').repeat(600);
    expect(jsonBytes([long, long], new JsonSizeMemo())).toBe(stringified([long, long]));
  });

  it('sizes what JSON.stringify sizes its own way (toJSON, Date, class instances, functions in arrays)', () => {
    class Point {
      readonly x: number;
      readonly y: number;
      constructor(x: number, y: number) {
        this.x = x;
        this.y = y;
      }
    }
    const v = { at: new Date(0), p: new Point(1, 2), j: { toJSON: () => 'custom' }, fns: [() => 1, Symbol('s'), undefined], skip: () => 1, inf: [Infinity, -0, 1e21] };
    expect(jsonBytes(v)).toBe(stringified(v));
  });

  it('throws where JSON.stringify throws: a BigInt, a cycle', () => {
    expect(() => jsonBytes({ n: 1n })).toThrow(/BigInt/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => jsonBytes(cyclic)).toThrow(/circular/i);
  });

  it('uses the size kept for a shared subtree and measures a long string once per memo', () => {
    const tools = sizedOnce([{ type: 'function', function: { name: 'read', description: 'é'.repeat(1000), parameters: { type: 'object' } } }]);
    expect(Object.isFrozen(tools)).toBe(true);
    expect(jsonBytes({ tools })).toBe(stringified({ tools }));
    const memo = new JsonSizeMemo();
    const prompt = 'ü'.repeat(5000);
    expect(memo.string(prompt)).toBe(stringified(prompt));
    expect(jsonBytes([prompt, prompt], memo)).toBe(stringified([prompt, prompt]));
  });
});
