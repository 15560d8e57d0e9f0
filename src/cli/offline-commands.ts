// The commands that work on files alone, without a gateway: the `nemo-relay` bin runs them,
// and `openclaw nemo-relay …` registers the same table.

import type { CliCommand, CliIo } from './command.ts';
import { exportCommand } from '../datasets/export-command.ts';
import { statsCommand } from '../datasets/stats-command.ts';
import { validateCommand } from '../datasets/validate-command.ts';
import { replayCommand } from '../replay/replay-command.ts';

export const OFFLINE_COMMANDS: readonly CliCommand[] = [exportCommand, validateCommand, statsCommand, replayCommand];

export function offlineUsage(prog = 'nemo-relay'): string {
  const width = Math.max(...OFFLINE_COMMANDS.map((c) => c.name.length));
  return [
    `usage: ${prog} <command> [options]`,
    '',
    'commands:',
    ...OFFLINE_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `${prog} <command> --help shows the options of one command.`,
    '',
  ].join('\n');
}

/** `argv` without the program: [command, ...args]. Returns the exit code. */
export async function runOffline(argv: readonly string[], io: CliIo, prog = 'nemo-relay'): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const cmd = name === 'help' && rest[0] !== undefined ? OFFLINE_COMMANDS.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? io.err : io.out)(cmd ? cmd.usage : offlineUsage(prog));
    return name === undefined ? 2 : 0;
  }
  const cmd = OFFLINE_COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`unknown command "${name}"\n\n${offlineUsage(prog)}`);
    return 2;
  }
  return cmd.run([...rest], io);
}
