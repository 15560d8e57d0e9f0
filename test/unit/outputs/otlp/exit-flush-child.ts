// Child process for the exit-flush test: exports a tree with a long batch delay, then calls
// process.exit() at once, the way a CLI does. Only the sink's flushSync (run from 'exit')
// can still deliver the spans. Prints the sink's health as JSON on exit.

import { createOtlpOutputSink } from '../../../../src/outputs/otlp/projections.ts';
import { buildTree, exportTree, otlpConfig } from './session-fixture.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: exit-flush-child.ts <receiver url>');
const sink = createOtlpOutputSink(otlpConfig(url, { scheduledDelayMillis: 60_000, projection: 'full', projectName: 'exit-test' }));
exportTree(sink, buildTree());
process.on('exit', () => {
  sink.flushSync?.();
  process.stdout.write(JSON.stringify(sink.health()));
});
process.exit(0);
