// Child process for the gRPC exit-flush test: like exit-flush-child.ts, over OTLP/gRPC with a
// header, then process.exit() at once. Prints the sink's health as JSON on exit.
// EXIT_FLUSH_TLS (JSON {ca, cert, key}): the endpoint's TLS material, for an https collector.

import type { OtlpOutputConfig } from '../../../../src/config/types.ts';
import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: exit-flush-grpc-child.ts <receiver url>');
const tls = process.env['EXIT_FLUSH_TLS'] ? (JSON.parse(process.env['EXIT_FLUSH_TLS']) as OtlpOutputConfig['tls']) : undefined;
const config = { ...otlpConfig(url, { scheduledDelayMillis: 60_000, headers: { 'x-exit': 'yes' }, ...(tls ? { tls } : {}) }), transport: 'grpc' } as OtlpOutputConfig;
const sink = createOtlpOutputSink(config);
exportTree(sink, buildTree());
process.on('exit', () => {
  sink.flushSync?.();
  process.stdout.write(JSON.stringify(sink.health()));
});
process.exit(0);
