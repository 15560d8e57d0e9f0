// `openclaw nemo-relay <command>`: builds the command tree from a table of CliCommand.
// The descriptor gives OpenClaw parse-time metadata (root help, routing) and the command
// modules load only when the registrar runs, i.e. when `openclaw nemo-relay ...` is invoked.
// Nothing here touches api.runtime: in the "cli-metadata" registration it is unavailable and
// any access fails the plugin's registration (DESIGN.md §9).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenClawPluginApi } from 'openclaw/plugin-sdk/plugin-entry';
import type { CliCommand, CliIo } from './command.ts';

export const CLI_ROOT = 'nemo-relay';
export const CLI_DESCRIPTOR = {
  name: CLI_ROOT,
  description: 'NeMo Relay observability: status of every output, doctor checks, dataset export, replay',
  hasSubcommands: true,
  // stdout is the JSON payload with --json: OpenClaw then sends its startup notices to stderr.
  machineOutput: ({ argv }: { argv: readonly string[] }) => argv.includes('--json'),
};

type CliApi = Partial<Pick<OpenClawPluginApi, 'registerCli'>>;
type Registrar = Parameters<OpenClawPluginApi['registerCli']>[0];
type CliContext = Parameters<Registrar>[0];
type Program = CliContext['program'];

export interface CommandContext {
  config: unknown;
  openclawVersion?: string;
}

/** The command table: one entry per `openclaw nemo-relay <name>`, loaded lazily. */
export async function loadCommands(ctx: CommandContext): Promise<CliCommand[]> {
  const [{ statusCommand }, { doctorCommand }, { OFFLINE_COMMANDS }] = await Promise.all([
    import('./status-command.ts'),
    import('./doctor-command.ts'),
    import('./offline-commands.ts'),
  ]);
  const doctorDeps = ctx.openclawVersion ? { config: ctx.config, openclawVersion: ctx.openclawVersion } : { config: ctx.config };
  // The gateway commands, then the ones that work on files alone (the `nemo-relay` bin's table).
  return [statusCommand({ config: ctx.config }), doctorCommand(doctorDeps), ...OFFLINE_COMMANDS];
}

/** The one call src/plugin.ts makes: safe in every registration mode, cli-metadata included. */
export function registerNemoRelayCli(api: CliApi, commands: (ctx: CommandContext) => Promise<CliCommand[]> = loadCommands): void {
  if (typeof api.registerCli !== 'function') return;
  api.registerCli(
    async ({ program, config }) => {
      const version = openclawVersion();
      buildCommandTree(program, await commands(version ? { config, openclawVersion: version } : { config }));
    },
    { descriptors: [CLI_DESCRIPTOR] },
  );
}

/** Adds `nemo-relay` with one subcommand per entry; arguments go to run() untouched. */
export function buildCommandTree(program: Program, commands: CliCommand[], io: CliIo = processIo): void {
  const root = program.command(CLI_ROOT).description(CLI_DESCRIPTOR.description);
  root.addHelpText('after', `\nCommands:\n${commands.map((c) => `  openclaw ${CLI_ROOT} ${c.name} ${argsOf(c)}\n      ${c.summary}`).join('\n')}\n`);
  for (const c of commands) {
    root
      .command(c.name)
      .description(c.summary)
      .usage(argsOf(c))
      .helpOption(false)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .argument('[args...]')
      .action(async (args: string[] = []) => {
        const code = await c.run(args, io);
        // Like OpenClaw's own commands: exitCode, not exit(), so piped stdout is flushed.
        if (code !== 0) process.exitCode = code;
      });
  }
}

/** The arguments part of a command's usage line: gateway commands say `openclaw nemo-relay x …`, offline ones `usage: nemo-relay x …`. */
function argsOf(c: CliCommand): string {
  const first = c.usage.split('\n')[0] ?? '';
  return first.replace(/^usage:\s*/, '').replace(new RegExp(`^(openclaw )?${CLI_ROOT} ${c.name}\\s*`), '');
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The OpenClaw the CLI runs in: the package this plugin resolves as its peer dependency. */
export function openclawVersion(): string | undefined {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve('openclaw')));
    while (dirname(dir) !== dir) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'openclaw' && typeof pkg.version === 'string') return pkg.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // Not resolvable from here (e.g. a unit test without OpenClaw): doctor says "unknown".
  }
  return undefined;
}
