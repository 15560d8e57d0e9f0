import { describe, expect, it } from 'vitest';
import { fileTime, pathInside, renderFilename, sanitizeValue } from '../../../../src/outputs/atif/filename.ts';

const values = { session_id: 's', session_key: 'agent:main:main', agent_id: 'main', trajectory_id: 't', started_at: '20261121T020000Z' };

describe('trajectory file names', () => {
  it('keeps [A-Za-z0-9._-], replaces everything else', () => {
    expect(sanitizeValue('11111111-2222-4333-8444-555555555555')).toBe('11111111-2222-4333-8444-555555555555');
    expect(sanitizeValue('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(sanitizeValue('a\u0000b\nc')).toBe('a_b_c');
    expect(sanitizeValue('')).toBe('_');
  });

  it('caps long values and keeps distinct ids distinct', () => {
    const a = sanitizeValue(`${'x'.repeat(10_000)}a`);
    const b = sanitizeValue(`${'x'.repeat(10_000)}b`);
    expect(a.length).toBeLessThanOrEqual(96);
    expect(a).not.toBe(b);
  });

  it('fills every placeholder and never yields a path', () => {
    expect(renderFilename('{agent_id}-{session_key}-{session_id}-{trajectory_id}-{started_at}.json', values)).toBe('main-agent_main_main-s-t-20261121T020000Z.json');
    expect(renderFilename('../{session_id}.json', values)).toBe('_.._s.json');
    expect(renderFilename('..', values)).toBe('t.json');
    expect(renderFilename('', values)).toBe('s.json');
    expect(renderFilename('{session_id}', { ...values, session_id: '..' })).toBe('t.json');
    // Never a dot file (hidden, and the writer's temp files and journals are dot files).
    expect(renderFilename('{session_id}.json', { ...values, session_id: '.' })).toBe('_..json');
    expect(renderFilename('{session_id}', { ...values, session_id: '.a.json.123.journal' })).toBe('_.a.json.123.journal');
    expect(renderFilename(`{session_id}${'y'.repeat(500)}.json`, values).length).toBeLessThanOrEqual(180);
  });

  it('pathInside refuses anything that is not a plain entry of the directory', () => {
    expect(pathInside('/data/out', 'a.json')).toBe('/data/out/a.json');
    for (const bad of ['../a.json', 'x/y.json', '..', '.', '/etc/passwd', 'a\u0000b']) expect(() => pathInside('/data/out', bad)).toThrow();
  });

  it('started_at is compact UTC, or unknown', () => {
    expect(fileTime(Date.UTC(2026, 10, 21, 2, 16, 5, 123))).toBe('20261121T021605Z');
    expect(fileTime(undefined)).toBe('unknown');
    expect(fileTime(Number.NaN)).toBe('unknown');
  });
});
