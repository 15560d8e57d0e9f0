#!/usr/bin/env node
// `nemo-relay`: offline tools over ATIF trajectory files (export, validate, stats). Plain JS so
// the bin runs as installed; the commands are TypeScript, loaded through Node's type
// stripping (Node >= 24, as package.json's engines require).

import { runOffline } from '../src/cli/offline-commands.ts';

const io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

try {
  process.exitCode = await runOffline(process.argv.slice(2), io);
} catch (err) {
  process.stderr.write(`nemo-relay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
