// Child process for the exit-spool test: the collector is down, spans are offered with a
// long batch delay, then process.exit() at once (a CLI that does not await). Only the sink's
// flushSync (run from 'exit') can keep them: the sync POST fails, so they go to the spool.
// Prints the sink's health as JSON on exit.

import { createOtlpOutputSink } from '../../../../../src/outputs/otlp/projections.ts';
import { buildTree, exportTree, otlpConfig } from '../session-fixture.ts';

const [url, dir] = process.argv.slice(2);
if (!url || !dir) throw new Error('usage: exit-child.ts <receiver url> <spool dir>');
const sink = createOtlpOutputSink(
  otlpConfig(url, { scheduledDelayMillis: 60_000, timeoutMillis: 500, spool: { directory: dir, maxBytes: 1 << 30, maxAgeMs: 3_600_000 } }),
);
exportTree(sink, buildTree());
process.on('exit', () => {
  sink.flushSync?.();
  process.stdout.write(JSON.stringify(sink.health()));
});
process.exit(0);
