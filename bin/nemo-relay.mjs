#!/usr/bin/env node
// `nemo-relay`: offline tools over ATIF trajectory files (export, validate, stats). Plain JS so
// the bin runs as installed. The commands are TypeScript: run from a checkout, Node's type
// stripping loads them; installed as a package, Node refuses to strip types under
// node_modules (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING), so jiti (the loader OpenClaw
// itself uses for TypeScript plugins) loads them instead.

const ENTRY = '../src/cli/offline-commands.ts';

async function load() {
  try {
    return await import(ENTRY);
  } catch (err) {
    if (err?.code !== 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') throw err;
    const { createJiti } = await import('jiti');
    return await createJiti(import.meta.url).import(ENTRY);
  }
}

const io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

try {
  const { runOffline } = await load();
  process.exitCode = await runOffline(process.argv.slice(2), io);
} catch (err) {
  process.stderr.write(`nemo-relay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
