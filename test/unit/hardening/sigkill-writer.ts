// Child process for atif-faults.test.ts: the real ATIF sink writing checkpoints of a growing
// session (a few hundred kB each) as fast as it can, until the parent SIGKILLs it.
// Usage: node sigkill-writer.ts <output_directory> <session id>

import { createAtifSink } from '../../../src/outputs/atif/sink.ts';
import type { Run, Session } from '../../../src/trace/model.ts';

const [dir, sessionId] = process.argv.slice(2) as [string, string];
const sink = createAtifSink({ enabled: true, agentName: 'openclaw', outputDirectory: dir, filenameTemplate: '{session_id}.json' }, { openclawVersion: 'test', pluginVersion: 'test' });
const session: Session = {
  kind: 'session',
  traceId: '0'.repeat(32),
  spanId: '1'.repeat(16),
  sessionKey: `agent:main:${sessionId}`,
  sessionId,
  startTime: Date.now(),
  openedBy: 'test',
  segment: 1,
  children: [],
  runs: [],
  tools: [],
  marks: [],
  closed: false,
};
const text = 'checkpoint text that makes the file big enough to take a while to write. '.repeat(400);

for (let i = 1; ; i++) {
  const t = Date.now();
  const run: Run = {
    kind: 'run',
    spanId: i.toString(16).padStart(16, '0'),
    runId: `run-${i}`,
    startTime: t,
    endTime: t + 1,
    status: 'ok',
    prompt: `${i}: ${text}`,
    llmCalls: [
      {
        kind: 'llm',
        spanId: (i + 1e6).toString(16).padStart(16, '0'),
        callId: `run-${i}:model:1`,
        index: 1,
        runId: `run-${i}`,
        startTime: t,
        endTime: t + 1,
        input: [],
        status: 'ok',
        tools: [],
        marks: [],
        output: { role: 'assistant', content: `answer ${i}` },
      },
    ],
    orphanTools: [],
    sawLlmInput: true,
    marks: [],
  };
  session.runs.push(run);
  sink.runEnded(session, run);
  await sink.flush();
  if (i === 1) process.stdout.write('ready\n');
}
