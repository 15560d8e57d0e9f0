// JSONL output files that respect backpressure (memory stays flat however many samples go
// through) and appear whole: written under a temporary name, renamed into place at the end,
// removed if the export fails.

import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';

export class JsonlOut {
  readonly file: string;
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  lines = 0;

  constructor(file: string) {
    this.file = file;
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    this.stream = createWriteStream(this.tmp, { flags: 'w' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  async write(record: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    this.lines++;
    // once() rejects if 'error' comes first, and removes its listeners either way.
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, 'drain');
    if (this.failure) throw this.failure;
  }

  async commit(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
    await rename(this.tmp, this.file);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true });
  }
}
