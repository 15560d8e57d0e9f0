// Sessions of one agent share one tool list instance when their lists are equal as JSON, and
// only then: a list that differs anywhere in a schema keeps its own.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internTools } from '../../../src/finalize/intern.ts';
import type { Session } from '../../../src/trace/model.ts';

const tools = (extra: Record<string, unknown> = {}) => [
  { name: 'read', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], ...extra } },
  { name: 'exec', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string', enum: ['a', 'b'] } } } },
];
const session = (list: unknown) => ({ tools: list }) as unknown as Session;

describe('internTools', () => {
  it('gives sessions with equal lists one instance, and keeps a list that differs in any value its own', () => {
    const a = session(tools());
    const b = session(tools());
    internTools(a);
    internTools(b);
    expect(b.tools).toBe(a.tools);

    const deeper = session(tools({ additionalProperties: false }));
    internTools(deeper);
    expect(deeper.tools).not.toBe(a.tools);
    const changed = tools();
    (changed[1]!.parameters.properties.cmd!.enum as string[])[1] = 'c';
    const c = session(changed);
    internTools(c);
    expect(c.tools).not.toBe(a.tools);
    // The same names in another order are another list (the request sorts them itself).
    const d = session([...tools()].reverse());
    internTools(d);
    expect(d.tools).not.toBe(a.tools);
    // And both variants are found again by later sessions.
    const e = session(tools({ additionalProperties: false }));
    internTools(e);
    expect(e.tools).toBe(deeper.tools);
  });

  it('treats undefined members as JSON does (absent), and leaves an uncomparable list alone', () => {
    const a = session(tools());
    internTools(a);
    const withUndefined = tools();
    (withUndefined[0] as Record<string, unknown>).description = 'Read a file';
    (withUndefined[0] as Record<string, unknown>).extra = undefined;
    const b = session(withUndefined);
    internTools(b);
    expect(b.tools).toBe(a.tools);
    const cyclic = () => {
      const o: Record<string, unknown> = { type: 'object' };
      o.self = o;
      return [{ name: 'loop', parameters: o }];
    };
    const first = session(cyclic());
    internTools(first);
    const list = cyclic();
    const second = session(list);
    expect(() => internTools(second)).not.toThrow();
    expect(second.tools).toBe(list);
  });

  it('shares a list exactly when its JSON equals the other one, undefined members anywhere', () => {
    // Objects with undefined members sprinkled in (JSON leaves them out), so equal JSON can
    // come from different key lists.
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.constantFrom(0, 1, 'a', 'b', true, null), fc.array(tie('v'), { maxLength: 3 }), tie('o')),
      o: fc.array(fc.tuple(fc.constantFrom('k', 'type', 'items', 'x'), fc.option(tie('v'), { nil: undefined, freq: 3 })), { maxLength: 4 }).map((members) => {
        const o: Record<string, unknown> = {};
        for (const [k, v] of members) o[k] = v;
        return o;
      }),
    })).v;
    fc.assert(fc.property(value, value, (p, q) => {
      const a = session([{ name: 'prop', parameters: p }]);
      const b = session([{ name: 'prop', parameters: q }]);
      const jsonB = JSON.stringify(b.tools);
      internTools(a);
      internTools(b);
      expect(JSON.stringify(b.tools)).toBe(jsonB);
      if (JSON.stringify(a.tools) === jsonB) expect(b.tools).toBe(a.tools);
      else expect(b.tools).not.toBe(a.tools);
    }), { numRuns: 3000 });
  });
});
