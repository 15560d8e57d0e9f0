import { expect, it } from 'vitest';
import { Interner } from '../../../src/util/intern.ts';

it('returns the first instance of a text, stays bounded, passes long texts through', () => {
  const t = new Interner(3, 16);
  const a = t.get(JSON.parse('"tool.slow"') as string);
  expect(t.get(JSON.parse('"tool.slow"') as string)).toBe(a);
  t.get('b');
  t.get('c');
  expect(t.size).toBe(3);
  // Full: the table starts over rather than growing.
  t.get('d');
  expect(t.size).toBe(1);
  const long = 'x'.repeat(17);
  expect(t.get(long)).toBe(long);
  expect(t.size).toBe(1);
});
