// The test receiver itself: it must decode what real clients send (identity, gzip and
// deflate bodies), answer like a collector, and render a tree. A bug here would make every
// exporter test meaningless.

import { request } from 'node:http';
import { createRequire } from 'node:module';
import { deflateSync, gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { renderSpanTree, startOtlpReceiver } from '../../../support/otlp-receiver.ts';
import type { OtlpReceiver } from '../../../support/otlp-receiver.ts';

interface ProtoType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromObject(object: object): object;
}
const root = createRequire(import.meta.url)('otlp-proto-0210/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType; ExportTraceServiceResponse: ProtoType } } } } };
};
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

const hex = (h: string) => Buffer.from(h, 'hex');
const START = 1_768_478_400_123_456_789n;

function body(): Uint8Array {
  const kv = (key: string, value: object) => ({ key, value });
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', { stringValue: 'svc' })] },
        scopeSpans: [
          {
            scope: { name: 'scope', version: '1.2.3' },
            spans: [
              {
                traceId: hex('0af7651916cd43dd8448eb211c80319c'),
                spanId: hex('00f067aa0ba902b7'),
                name: 'root',
                kind: 1,
                startTimeUnixNano: START.toString(),
                endTimeUnixNano: (START + 2_000_000n).toString(),
                attributes: [
                  kv('s', { stringValue: 'x' }),
                  kv('i', { intValue: '42' }),
                  kv('d', { doubleValue: 0.5 }),
                  kv('b', { boolValue: true }),
                  kv('a', { arrayValue: { values: [{ stringValue: 'p' }, { stringValue: 'q' }] } }),
                ],
                events: [{ name: 'ev', timeUnixNano: (START + 1_000_000n).toString(), attributes: [kv('k', { stringValue: 'v' })] }],
                status: { code: 2, message: 'boom' },
              },
              {
                traceId: hex('0af7651916cd43dd8448eb211c80319c'),
                spanId: hex('00f067aa0ba902b8'),
                parentSpanId: hex('00f067aa0ba902b7'),
                name: 'child',
                kind: 3,
                startTimeUnixNano: (START + 500_000n).toString(),
                endTimeUnixNano: (START + 1_500_000n).toString(),
              },
            ],
          },
        ],
      },
    ],
  });
  return ExportTraceServiceRequest.encode(message).finish();
}

function post(url: string, payload: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let r: OtlpReceiver;
beforeAll(async () => {
  r = await startOtlpReceiver();
});
afterAll(() => r.close());

describe('OTLP test receiver', () => {
  for (const [encoding, encode] of [
    ['identity', (b: Uint8Array) => Buffer.from(b)],
    ['gzip', (b: Uint8Array) => gzipSync(b)],
    ['deflate', (b: Uint8Array) => deflateSync(b)],
  ] as const) {
    it(`decodes a ${encoding} ExportTraceServiceRequest and answers 200 with a response message`, async () => {
      r.clear();
      const res = await post(r.url, encode(body()), encoding === 'identity' ? {} : { 'content-encoding': encoding });
      expect(res.status).toBe(200);
      expect(() => ExportTraceServiceResponse.decode(res.body)).not.toThrow();
      const [a, b] = r.spans();
      expect(a).toMatchObject({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: '00f067aa0ba902b7',
        parentSpanId: undefined,
        name: 'root',
        kind: 1,
        startTimeUnixNano: START,
        endTimeUnixNano: START + 2_000_000n,
        attributes: { s: 'x', i: 42, d: 0.5, b: true, a: ['p', 'q'] },
        status: { code: 2, message: 'boom' },
        resource: { 'service.name': 'svc' },
        scope: { name: 'scope', version: '1.2.3' },
      });
      expect(a?.startMs).toBe(Number(START / 1000n) / 1000);
      expect(a?.events).toEqual([{ name: 'ev', timeUnixNano: START + 1_000_000n, timeMs: Number((START + 1_000_000n) / 1000n) / 1000, attributes: { k: 'v' } }]);
      expect(b?.parentSpanId).toBe('00f067aa0ba902b7');
    });
  }

  it('answers 500 in fail mode and refuses a non-protobuf body', async () => {
    r.setMode('fail');
    expect((await post(r.url, Buffer.from(body()), {})).status).toBe(500);
    r.setMode('ok');
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(r.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (x) => {
        x.resume();
        resolve(x.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(res).toBe(415);
  });

  it('renders a span tree', () => {
    expect(renderSpanTree(r.spans(), ['s'])).toBe('root [2 ms] ERROR(boom)  s=x\n  child [1 ms]');
  });
});
