// Replay: hook journals (ATOF from src/outputs/atof, or recorded fixtures) back through the
// same correlation and outputs, offline.
//
// Wiring (done at merge):
//   - src/cli/offline-commands.ts: add `replayCommand` to the command table of the `nemo-relay` bin;
//   - plugin register(): api.registerCli(({ program }) => program.command('nemo-relay')
//       .command('replay <journal>') ... -> replayCommand.run(argv, io), { descriptors: [...] })
//     declared in the manifest's cliCommands, with runtime access deferred to the action (DESIGN.md §9).

export { decode, readJournal, readJournals } from './read-journal.ts';
export type { JournalRead, ReplayRecord } from './read-journal.ts';
export { replayCommand } from './replay-command.ts';
export { replayConfig, replayRecords } from './run.ts';
export type { ReplayOptions, ReplayReport } from './run.ts';
