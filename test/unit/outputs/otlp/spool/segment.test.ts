// Segment format, Retry-After parsing, backoff bounds and the spool config defaults.

import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../../../src/config/load.ts';
import { durationMs } from '../../../../../src/config/spool.ts';
import { backoffDelay } from '../../../../../src/outputs/otlp/backoff.ts';
import { compressSegmentSync, decodeSegment, decodeSegmentAsync, parseSegmentName, segmentHeader, segmentName } from '../../../../../src/outputs/otlp/spool/segment.ts';
import { parseRetryAfter } from '../../../../../src/outputs/otlp/export-transport.ts';

function segment(raw: Buffer, spans = 3, created = 1_700_000_000_000): Buffer {
  const z = compressSegmentSync(raw);
  return Buffer.concat([segmentHeader(z, raw.length, spans, created), z]);
}

/** The format before zstd: still read, so an upgrade delivers what the old version spooled. */
function gzipSegment(raw: Buffer, spans = 3, created = 1_700_000_000_000): Buffer {
  const z = gzipSync(raw);
  return Buffer.concat([segmentHeader(z, raw.length, spans, created, 'gzip'), z]);
}

describe('segments', () => {
  it('round-trips the request bytes, span count and creation time', () => {
    const raw = Buffer.from('an encoded ExportTraceServiceRequest'.repeat(50));
    const got = decodeSegment(segment(raw));
    expect('torn' in got).toBe(false);
    if ('torn' in got) return;
    expect(Buffer.from(got.bytes).equals(raw)).toBe(true);
    expect(got.spans).toBe(3);
    expect(got.created).toBe(1_700_000_000_000);
  });

  it('decodes on the thread pool the same way, tears included', async () => {
    const raw = Buffer.from('a request read back by the sender'.repeat(100));
    for (const file of [segment(raw, 4), gzipSegment(raw, 4)]) {
      const got = await decodeSegmentAsync(file);
      expect('torn' in got ? got.torn : [Buffer.from(got.bytes).equals(raw), got.spans]).toEqual([true, 4]);
    }
    const flipped = segment(raw);
    flipped[flipped.length - 3]! ^= 0xff;
    expect(await decodeSegmentAsync(flipped)).toMatchObject({ torn: expect.stringMatching(/CRC32/) });
  });

  it('reads gzip segments of the previous format; a payload that does not match its codec is torn', () => {
    const raw = Buffer.from('an older spooled request'.repeat(40));
    const got = decodeSegment(gzipSegment(raw, 5));
    expect('torn' in got ? got.torn : Buffer.from(got.bytes).equals(raw)).toBe(true);
    // A zstd payload under the gzip magic (CRC fixed up so only the codec is wrong).
    const z = compressSegmentSync(raw);
    const lying = Buffer.concat([segmentHeader(z, raw.length, 5, 1, 'gzip'), z]);
    expect(decodeSegment(lying)).toMatchObject({ torn: expect.stringMatching(/does not decompress \(gzip\)/) });
  });

  it('zstd finds a large value repeated across spans that gzip cannot see', () => {
    // 40 "spans" each carrying the same 100 kB of pseudo-random text: far apart for gzip's 32 kB window.
    const schema = Buffer.from(randomBytes(75_000).toString('base64'));
    const raw = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.concat([Buffer.from(`span ${i}`), schema])));
    const zstd = compressSegmentSync(raw).length;
    expect(raw.length / zstd).toBeGreaterThan(20);
    expect(raw.length / gzipSync(raw).length).toBeLessThan(3);
  });

  it('detects every kind of tear: short header, bad magic, cut payload, flipped byte', () => {
    const good = segment(Buffer.from('x'.repeat(1000)));
    expect(decodeSegment(good.subarray(0, 10))).toMatchObject({ torn: expect.stringMatching(/header/) });
    const magic = Buffer.from(good);
    magic[0] = 0;
    expect(decodeSegment(magic)).toMatchObject({ torn: expect.stringMatching(/magic/) });
    expect(decodeSegment(good.subarray(0, good.length - 1))).toMatchObject({ torn: expect.stringMatching(/header says/) });
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5]! ^= 0xff;
    expect(decodeSegment(flipped)).toMatchObject({ torn: expect.stringMatching(/CRC32/) });
  });

  it('names sort oldest first and carry the span count', () => {
    const a = segmentName(1_000, 2, 7);
    const b = segmentName(20_000, 1, 9);
    expect([b, a].sort()).toEqual([a, b]);
    expect(parseSegmentName(b)).toEqual({ created: 20_000, spans: 9 });
    expect(parseSegmentName('spool.lock')).toBeUndefined();
  });
});

describe('retry pacing', () => {
  it('Retry-After: delta seconds or an HTTP date, capped; garbage is ignored', () => {
    const now = Date.parse('2026-12-07T00:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 07 Dec 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 06 Dec 2026 00:00:30 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(300_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backoff grows exponentially with jitter, is capped, and a server delay wins', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, opts, undefined, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, undefined, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, undefined, () => 1)).toBe(400);
    expect(backoffDelay(30, opts, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(30, opts, undefined, () => 0)).toBe(500);
    expect(backoffDelay(5, opts, 2500)).toBe(2500);
  });
});

describe('spool config', () => {
  const raw = (otel: Record<string, unknown>) => ({
    enabled: true,
    plugins: { version: 1, components: [{ kind: 'observability', enabled: true, config: { version: 1, opentelemetry: { enabled: true, ...otel } } }] },
  });

  it('is on by default under the state dir, one folder per output, with 1 GiB and 24 h', () => {
    const { config, issues } = loadConfig(raw({}), { OPENCLAW_STATE_DIR: '/state' });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const o = config.otlp[0]!;
    expect(o.spool).toEqual({ directory: '/state/nemo-relay/spool/opentelemetry', maxBytes: 1024 ** 3, maxAgeMs: 86_400_000 });
    expect(o.memoryBudgetBytes).toBe(64 * 1024 * 1024);
  });

  it('takes directory, max_bytes, max_age and memory_budget_bytes, and can be switched off', () => {
    const { config, issues } = loadConfig(raw({ memory_budget_bytes: 1 << 20, spool: { directory: 'q', max_bytes: 1 << 24, max_age: '30m' } }), { OPENCLAW_STATE_DIR: '/state' });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(config.otlp[0]!.spool).toEqual({ directory: '/state/q', maxBytes: 1 << 24, maxAgeMs: 1_800_000 });
    expect(config.otlp[0]!.memoryBudgetBytes).toBe(1 << 20);
    expect(loadConfig(raw({ spool: { enabled: false } }), {}).config.otlp[0]!.spool).toBeUndefined();
  });

  it('is read per endpoint of opentelemetry.endpoints[] (gRPC ones too), each in its own folder; a bad field names its endpoint', () => {
    const endpoints = [
      { endpoint: 'http://a:4318/v1/traces', spool: { max_bytes: 1 << 22 } },
      { endpoint: 'http://b:4317', transport: 'grpc', memory_budget_bytes: 1 << 18, spool: { directory: '/abs/q', max_age: 60 } },
      { endpoint: 'http://c:4318/v1/traces', spool: { enabled: false } },
    ];
    const cfg = { plugins: { components: [{ kind: 'observability', config: { version: 3, opentelemetry: { enabled: true, endpoints } } }] } };
    const { config, issues } = loadConfig(cfg, { OPENCLAW_STATE_DIR: '/state' });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const [a, b, c] = config.otlp;
    expect(a!.spool).toEqual({ directory: '/state/nemo-relay/spool/opentelemetry.endpoints_0_', maxBytes: 1 << 22, maxAgeMs: 86_400_000 });
    expect(b!.transport).toBe('grpc');
    expect(b!.memoryBudgetBytes).toBe(1 << 18);
    expect(b!.spool).toEqual({ directory: '/abs/q', maxBytes: 1024 ** 3, maxAgeMs: 60_000 });
    expect(c!.spool).toBeUndefined();

    const bad = structuredClone(cfg);
    (bad.plugins.components[0]!.config.opentelemetry.endpoints[1] as Record<string, unknown>).spool = { max_bytes: 10 };
    const found = loadConfig(bad, {}).issues.find((i) => i.path.includes('endpoints/1/spool/max_bytes'));
    expect(found?.severity).toBe('error');
  });

  it('rejects a malformed max_age, naming the field', () => {
    const { issues } = loadConfig(raw({ spool: { max_age: 'a while' } }), {});
    expect(issues.some((i) => i.path.includes('spool/max_age') && i.severity === 'error')).toBe(true);
  });

  it('durations: seconds or ms|s|m|h|d', () => {
    expect(durationMs(90)).toBe(90_000);
    expect(durationMs('250ms')).toBe(250);
    expect(durationMs('7d')).toBe(7 * 86_400_000);
    expect(durationMs('7 days')).toBeUndefined();
  });
});
