// The system prompt's send-side rewrite (OpenClaw's steps a and b), done in one copy, must
// equal OpenClaw's order of operations for every arrangement of the boundary line and block.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteSystem } from '../../../src/finalize/provider-request.ts';

describe('the system prompt rewrite (steps a and b) in one copy', () => {
  const BOUNDARY = '<!-- OPENCLAW_CACHE_BOUNDARY -->\n';
  const RELOCATABLE = /\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\n([\s\S]*?)\n<!-- \/OPENCLAW-RELOCATABLE-BOUNDARY -->/;
  /** OpenClaw's order: the line out, then the block found and cut. */
  const reference = (raw: string) => {
    let content = raw.replace(BOUNDARY, '');
    const m = RELOCATABLE.exec(content);
    if (!m) return { content, runtimeBlock: undefined };
    content = content.slice(0, m.index) + content.slice(m.index + m[0].length);
    return { content, runtimeBlock: m[1] };
  };
  const block = '\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\nRuntime: host=x\n<!-- /OPENCLAW-RELOCATABLE-BOUNDARY -->';

  it('equals the line removed, then the block cut, wherever the two lie', () => {
    const pieces = fc.array(fc.oneof(fc.constantFrom(BOUNDARY, block, '\n', '\n\n', 'text', block.slice(0, 30), block.slice(30), BOUNDARY.slice(0, 10)), fc.string({ maxLength: 5 })), { maxLength: 8 });
    fc.assert(fc.property(pieces, (p) => {
      const raw = p.join('');
      expect(rewriteSystem(raw)).toEqual(reference(raw));
    }), { numRuns: 20000 });
  });
});

describe('the system prompt rewrite, known hard cases', () => {
  const BOUNDARY = '<!-- OPENCLAW_CACHE_BOUNDARY -->\n';
  const block = '\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\nRuntime: host=x\n<!-- /OPENCLAW-RELOCATABLE-BOUNDARY -->';
  const cases: [string, { content: string; runtimeBlock: string | undefined }][] = [
    // OpenClaw's own order: the line, later the block.
    [`You are a persona.\n${BOUNDARY}Tools.${block}\nEnd.`, { content: 'You are a persona.\nTools.\nEnd.', runtimeBlock: 'Runtime: host=x' }],
    // The line's removal joins an opening marker before the block found in the raw prompt.
    [`${block.slice(0, 30)}${BOUNDARY}${block.slice(30)}a${block}`, { content: `a${block}`, runtimeBlock: 'Runtime: host=x' }],
    // The line inside the block, and no block at all.
    [`x${block.slice(0, 60)}${BOUNDARY}${block.slice(60)}y`, { content: 'xy', runtimeBlock: 'Runtime: host=x' }],
    [`plain ${BOUNDARY}prompt`, { content: 'plain prompt', runtimeBlock: undefined }],
  ];
  it.each(cases)('%j', (raw, expected) => {
    expect(rewriteSystem(raw)).toEqual(expected);
  });
});

describe('the system prompt rewrite, remembered across runs', () => {
  const BOUNDARY = '<!-- OPENCLAW_CACHE_BOUNDARY -->\n';
  const block = (runtime: string) => `\n\n<!-- OPENCLAW-RELOCATABLE-BOUNDARY -->\n\n${runtime}\n<!-- /OPENCLAW-RELOCATABLE-BOUNDARY -->`;
  const prompt = (persona: string, runtime: string) => `${persona}\n${BOUNDARY}Tools: read, exec.${block(runtime)}\nEnd.`;

  it('gives each prompt its own text, however alike the prompts rewritten before it', () => {
    // Same length everywhere: only the compared text tells them apart.
    const a = rewriteSystem(prompt('You are Ada.', 'Runtime: session=1'));
    const b = rewriteSystem(prompt('You are Bob.', 'Runtime: session=2'));
    const a2 = rewriteSystem(prompt('You are Ada.', 'Runtime: session=3'));
    expect(a).toEqual({ content: 'You are Ada.\nTools: read, exec.\nEnd.', runtimeBlock: 'Runtime: session=1' });
    expect(b).toEqual({ content: 'You are Bob.\nTools: read, exec.\nEnd.', runtimeBlock: 'Runtime: session=2' });
    expect(a2).toEqual({ content: 'You are Ada.\nTools: read, exec.\nEnd.', runtimeBlock: 'Runtime: session=3' });
    // A difference in any piece between the cuts (here after the block) is seen.
    expect(rewriteSystem(`You are Ada.\n${BOUNDARY}Tools: read, exec.${block('Runtime: session=4')}\nEnd!`).content).toBe('You are Ada.\nTools: read, exec.\nEnd!');
    expect(rewriteSystem(`You are Ada.\n${BOUNDARY}Tools: read, exec!${block('Runtime: session=4')}\nEnd.`).content).toBe('You are Ada.\nTools: read, exec!\nEnd.');
  });

  it('stays right when more distinct prompts come than it remembers', () => {
    const personas = Array.from({ length: 20 }, (_, i) => `You are agent ${String(i).padStart(2, '0')}.`);
    for (let round = 0; round < 3; round++) {
      for (const p of personas) expect(rewriteSystem(prompt(p, `Runtime: round=${round}`)).content).toBe(`${p}\nTools: read, exec.\nEnd.`);
    }
  });
});
