// `atif.storage` beside the ATIF sink: the sink's onWritten feeds one uploader, which shows in
// status as one entry per store (uploaded, pending, failed, last error). The uploader flushes
// and shuts down after the ATIF sink, so a session's final file is queued before it stops.

import type { AtifConfig } from '../../config/types.ts';
import type { SinkHealth, TraceSink } from '../../fanout/sink.ts';
import { AtifUploader, storageFromConfig } from '../atif-storage/index.ts';

export interface StorageWiring {
  onWritten?: (fileName: string, final: boolean) => void;
  /** The store entries, to put after the ATIF sink they follow. */
  sinks(atif: TraceSink): TraceSink[];
}

export function storageWiring(atif: AtifConfig, env: Record<string, string | undefined>): StorageWiring {
  const storage = storageFromConfig(atif.storage, env);
  if (!storage) return { sinks: () => [] };
  const uploader = new AtifUploader(storage, { atifDir: atif.outputDirectory });
  return {
    onWritten: (fileName, final) => uploader.fileWritten(fileName, { final }),
    sinks: (sink) => {
      let stopping: Promise<void> | undefined;
      let exited = false;
      // The runtime shuts sinks down together: the uploader waits for the ATIF sink's last writes.
      const shutdown = (): Promise<void> => (stopping ??= sink.shutdown().catch(() => undefined).then(() => uploader.shutdown()));
      return storage.stores.map((store, i): TraceSink => ({
        name: store.name,
        runEnded: () => {},
        sessionEnded: () => {},
        flush: () => sink.flush().catch(() => undefined).then(() => uploader.flush()),
        shutdown,
        health: (): SinkHealth => uploader.health()[i]!,
        // Called after the ATIF sink's flushSync (it comes first in the list): its final files are remembered.
        flushSync: () => {
          if (exited) return;
          exited = true;
          uploader.exitSync();
        },
      }));
    },
  };
}
