// Shared bits of the offline commands' argument handling: usage errors exit 2 with the
// message and the usage, as CLI conventions have it; `--help` prints the usage and exits 0.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from '../cli/command.ts';

export class UsageError extends Error {}

export type Parsed = ReturnType<typeof parseArgs>;

export function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, positionals = false): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Runs `body`, turning usage errors into exit code 2 and other failures into 1. */
export async function guarded(io: CliIo, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${usage}\n`);
      return 2;
    }
    io.err(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Runs a parser whose errors are usage errors (bad option values). */
export function usageCheck<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** First error of a file plus how many more, for one-line listings. */
export function errorLine(file: string, errors: readonly { path: string; message: string }[]): string {
  const first = errors[0];
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return `${file}: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}${more}`;
}
