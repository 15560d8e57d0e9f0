// The capture policy remembers the last few long texts it cleaned (a session's runs repeat
// their system prompt): a text seen again must come out exactly as it did the first time,
// and what cleaning it counts (masked secrets, truncation) must be counted again.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { CapturePolicy } from '../../../src/trace/capture.ts';

const policy = (capture: Record<string, unknown> = {}) => new CapturePolicy(loadConfig({ capture }, {}).config.capture);

describe('CapturePolicy.clean on repeated long texts', () => {
  it('returns the same masked text and counts the secrets every time', () => {
    const p = policy();
    const prompt = `${'You are a helpful agent. '.repeat(400)}token=abcd1234efgh ${'more rules. '.repeat(100)}`;
    const first = p.clean(prompt);
    expect(first).toContain('token=[REDACTED]');
    expect(p.counters.secretsMasked).toBe(1);
    // An equal text in another string object (a new hook payload) hits the same entry.
    const again = p.clean(`${prompt.slice(0, 10)}${prompt.slice(10)}`);
    expect(again).toBe(first);
    expect(p.counters.secretsMasked).toBe(2);
  });

  it('counts a truncation again on a repeat, and forgets the oldest texts beyond its few entries', () => {
    const p = policy({ maxFieldBytes: 5000 });
    const long = 'x'.repeat(6000);
    expect(p.clean(long)).toMatch(/truncated by nemo-relay: 6000 bytes, limit 5000\]$/);
    expect(p.clean(long)).toMatch(/truncated by nemo-relay/);
    expect(p.counters.truncated).toBe(2);
    // Many distinct texts: each is cleaned on its own merits (no entry answers for another).
    for (let i = 0; i < 20; i++) expect(p.clean(`${i} secret=s3cr3t-${i} ${'y'.repeat(4200)}`)).toContain(`secret=[REDACTED]`);
    expect(p.counters.secretsMasked).toBe(20);
  });
});
