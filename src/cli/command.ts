// The shape every `openclaw nemo-relay <command>` has: a name for the command table, text for
// help, and a run() that writes through io and returns the exit code. Commands never touch
// process.stdout or process.exit themselves, so unit tests run them in-process.

export interface CliIo { out(text: string): void; err(text: string): void }
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>; // exit code
}
