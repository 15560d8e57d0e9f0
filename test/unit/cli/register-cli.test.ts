// The `openclaw nemo-relay` tree on a real Commander program, as OpenClaw builds it: the
// registrar is registered with its descriptor, touches no runtime, and routes argv to run().

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../../../src/cli/command.ts';
import { buildCommandTree, CLI_DESCRIPTOR, loadCommands, openclawVersion, registerNemoRelayCli } from '../../../src/cli/register-cli.ts';

describe('registerNemoRelayCli', () => {
  it('declares the nemo-relay root with a descriptor and builds the tree only when the registrar runs', async () => {
    const calls: { registrar: (ctx: { program: Command; config: unknown }) => Promise<void>; opts: { descriptors?: unknown[] } }[] = [];
    let built = 0;
    // An api whose runtime throws, as in the "cli-metadata" registration.
    const api = {
      registrationMode: 'cli-metadata',
      get runtime(): never {
        throw new Error('runtime unavailable in cli-metadata');
      },
      registerCli: (registrar: never, opts: never) => void calls.push({ registrar, opts }),
    };
    registerNemoRelayCli(api as never, async () => (built++, [echo('status')]));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.opts.descriptors).toEqual([CLI_DESCRIPTOR]);
    expect(built).toBe(0);
    const program = new Command('openclaw').exitOverride();
    await calls[0]!.registrar({ program, config: {} });
    expect(built).toBe(1);
    expect(program.commands.map((c) => c.name())).toEqual(['nemo-relay']);
  });

  it('passes every argument after the command name to run() and sets the exit code', async () => {
    const seen: string[][] = [];
    const program = new Command('openclaw').exitOverride();
    const out: string[] = [];
    buildCommandTree(program, [echo('status', seen, 1), echo('doctor', seen, 0)], { out: (t) => void out.push(t), err: (t) => void out.push(t) });
    const before = process.exitCode;
    try {
      await program.parseAsync(['nemo-relay', 'status', '--json', '--url', 'ws://127.0.0.1:1', '--token', 't'], { from: 'user' });
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;
      await program.parseAsync(['nemo-relay', 'doctor'], { from: 'user' });
      expect(process.exitCode).toBeUndefined();
    } finally {
      process.exitCode = before;
    }
    expect(seen).toEqual([['status', '--json', '--url', 'ws://127.0.0.1:1', '--token', 't'], ['doctor']]);
  });

  it('the real table has the gateway commands and the offline ones; the OpenClaw version resolves from the peer dependency', async () => {
    const table = await loadCommands({ config: {} });
    expect(table.map((c) => c.name)).toEqual(['status', 'doctor', 'export', 'validate', 'stats', 'replay']);
    for (const c of table) expect(c.usage).toMatch(new RegExp(`^(usage: )?(openclaw )?nemo-relay ${c.name}\\b`));
    expect(openclawVersion()).toMatch(/^\d{4}\.\d+\.\d+/);
  });
});

function echo(name: string, seen: string[][] = [], code = 0): CliCommand {
  return { name, summary: name, usage: `openclaw nemo-relay ${name} [--json]`, run: async (argv) => (seen.push([name, ...argv]), code) };
}
