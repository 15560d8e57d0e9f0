// doctor's gRPC probe against a real OTLP gRPC receiver on 127.0.0.1: an empty Export to the
// signal's service is accepted; refused ports, auth failures and plaintext-vs-TLS mistakes are
// failures with a fix.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkGrpcEndpoint } from '../../../src/cli/doctor-grpc.ts';
import type { OtlpEndpointBase } from '../../../src/config/types.ts';
import { GrpcStatus, startOtlpGrpcReceiver, type OtlpGrpcReceiver } from '../../support/otlp-grpc-receiver.ts';
import { selfSignedCert } from '../../support/self-signed.ts';

let g: OtlpGrpcReceiver;
let tls: OtlpGrpcReceiver;
let cert: ReturnType<typeof selfSignedCert>;
beforeAll(async () => {
  g = await startOtlpGrpcReceiver();
  cert = selfSignedCert();
  tls = await startOtlpGrpcReceiver({ tls: { cert: cert.cert, key: cert.key } });
});
afterAll(async () => {
  await g.close();
  await tls.close();
});

const ep = (endpoint: string, headers: Record<string, string> = {}): OtlpEndpointBase => ({
  name: 'opentelemetry.endpoints[0]',
  enabled: true,
  endpoint,
  transport: 'grpc',
  headers,
  timeoutMillis: 2000,
  compression: 'none',
});

it('accepts an empty Export for traces, metrics and logs, with the metadata sent', async () => {
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const f = await checkGrpcEndpoint(ep(g.url, { 'x-tenant': 'acme' }), signal, 2000);
    expect(f.verdict, f.detail).toBe('ok');
  }
  expect(g.attempts).toBe(3);
});

it('fails with a fix: refused, UNAUTHENTICATED, plaintext against TLS, not a URL', async () => {
  const dead = await startOtlpGrpcReceiver();
  const deadUrl = dead.url;
  await dead.close();
  const refused = await checkGrpcEndpoint(ep(deadUrl), 'traces', 2000);
  expect(refused.verdict).toBe('fail');
  expect(refused.detail).toMatch(/UNAVAILABLE/);

  g.failWith(GrpcStatus.UNAUTHENTICATED);
  const auth = await checkGrpcEndpoint(ep(g.url), 'metrics', 2000);
  g.failWith(undefined);
  expect(auth).toMatchObject({ verdict: 'fail' });
  expect(auth.fix).toMatch(/headers/);

  // https against the TLS receiver with a self-signed cert: not trusted by the system roots.
  const untrusted = await checkGrpcEndpoint(ep(tls.url), 'traces', 2000);
  expect(untrusted.verdict).toBe('fail');
  expect(untrusted.fix).toMatch(/`certificate`/);
  // With the output's own CA (the endpoint's `certificate`) the same collector is trusted.
  const trusted = await checkGrpcEndpoint({ ...ep(tls.url), tls: { ca: cert.cert } }, 'traces', 2000);
  expect(trusted.verdict, trusted.detail).toBe('ok');
  // http against the TLS receiver: the plaintext call cannot complete.
  const plain = await checkGrpcEndpoint(ep(tls.url.replace('https:', 'http:')), 'traces', 2000);
  expect(plain.verdict).toBe('fail');

  expect((await checkGrpcEndpoint(ep('collector:4317'), 'logs')).verdict).toBe('fail');
});
