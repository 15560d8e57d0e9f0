// `atof`: the raw hook-event journal in NeMo Relay's ATOF 0.1 format (JSONL file and stream sinks).
//
// Wired by the runtime (src/runtime/journal-wiring.ts): every hook delivery that passed the
// duplicate check is recorded with its arrival time; one status entry per sink; shut down
// after the trace outputs.

export { atofFromConfig } from './config.ts';
export type { AtofConfig, AtofFileSinkConfig, AtofSinkConfig, AtofStreamSinkConfig, AtofTransport } from './config.ts';
export { ATOF_VERSION, HOOK_DATA_SCHEMA, MARK_PREFIX, encodeHook, replaceDots, uuidv7 } from './encode.ts';
export type { AtofMark } from './encode.ts';
export { AtofJournal } from './journal.ts';
export { AtofFileSink } from './file-sink.ts';
export { AtofStreamSink } from './stream-sink.ts';
