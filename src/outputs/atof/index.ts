// `atof`: the raw hook-event journal in NeMo Relay's ATOF 0.1 format (JSONL file and stream sinks).
//
// Wiring (done at merge, after the pipeline refactor):
//   const atof = parseAtof(rawObservabilityConfig.atof, env, cwd);   // throws ConfigError naming the field
//   const journal = atof?.enabled ? new AtofJournal(atof, capturePolicy) : undefined;
//   ingest, for every hook delivery that passed the duplicate check:
//       journal?.record(hook, event, ctx, arrivalMs)    (before or after parse; it never throws)
//   status: ...journal.health()   (one SinkHealth per sink)
//   stop:   await journal.shutdown()
//   exit:   journal.exitSync()   (process 'exit': file sinks append what is queued, synchronously)

export { parseAtof } from './config.ts';
export type { AtofConfig, AtofFileSinkConfig, AtofSinkConfig, AtofStreamSinkConfig, AtofTransport } from './config.ts';
export { ATOF_VERSION, HOOK_DATA_SCHEMA, MARK_PREFIX, encodeHook, replaceDots, uuidv7 } from './encode.ts';
export type { AtofMark } from './encode.ts';
export { AtofJournal } from './journal.ts';
export { AtofFileSink } from './file-sink.ts';
export { AtofStreamSink } from './stream-sink.ts';
