// ATIF off the box: `atif.storage` (S3 and HTTP stores) for the final trajectory files.
//
// Wired by the ATIF registry entry (src/outputs/atif/index.ts, storage-sinks.ts): the ATIF
// sink's onWritten feeds the uploader; one status entry per store; the uploader shuts down
// after the ATIF sink (its final files are queued first).

export { storageFromConfig } from './config.ts';
export type { AtifStorageConfig, HttpStoreConfig, RetryConfig, S3StoreConfig, StoreConfig } from './config.ts';
export { JOURNAL_NAME } from './pending-journal.ts';
export { AtifUploader } from './uploader.ts';
export type { UploaderOptions } from './uploader.ts';
export { createStore } from './stores.ts';
export type { Store } from './stores.ts';
