// ATIF off the box: `atif.storage` (S3 and HTTP stores) for the final trajectory files.
//
// Wiring (done at merge, after the pipeline refactor):
//   const storage = parseAtifStorage(rawAtifSection, env);          // throws ConfigError naming the field
//   const uploader = storage && new AtifUploader(storage, { atifDir: atifConfig.outputDirectory });
//   createAtifSink(atif, { ..., onWritten: (file, final) => uploader?.fileWritten(file, { final }) });
//   status: ...uploader.health()   (one SinkHealth per store: uploaded, pending, failures, dropped, last error)
//   stop:   await uploader.shutdown()  (after the ATIF sink's shutdown; pending uploads stay in the journal)
//   exit:   uploader.exitSync()         (after the ATIF sink's flushSync: its final files' uploads are remembered)

export { parseAtifStorage } from './config.ts';
export type { AtifStorageConfig, HttpStoreConfig, RetryConfig, S3StoreConfig, StoreConfig } from './config.ts';
export { ConfigError, resolveHeaders } from './headers.ts';
export { JOURNAL_NAME } from './pending-journal.ts';
export { AtifUploader } from './uploader.ts';
export type { UploaderOptions } from './uploader.ts';
export { createStore } from './stores.ts';
export type { Store } from './stores.ts';
