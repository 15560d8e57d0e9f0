// `openclaw plugins install <folder>` on the real OpenClaw, as the README tells users to do it:
// the folder is what a user has after `npm ci --omit=dev` (the published package files and a
// node_modules holding only the production dependency closure, no OpenClaw), OpenClaw copies
// it into its state dir, loads it from there, and a real `openclaw agent --local` turn with the
// installed copy writes a valid ATIF trajectory. Nothing of OpenClaw is mocked, and no
// plugins.load.paths entry points at the checkout.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAtif } from '../../src/outputs/atif/validate.ts';
import { deepMerge, OpenClawHarness, PLUGIN_DIR, type CliResult } from '../support/openclaw-harness.ts';
import { relayConfig } from '../support/plugin-config.ts';
import { startScriptedLlm, type ScriptedLlm } from '../support/scripted-llm.ts';

type Doc = Record<string, any>;
const PLUGIN_ID = 'nemo-relay';

interface StagedSource {
  dir: string;
  /** Folders of the production closure, relative to the plugin root (node_modules/...). */
  packages: string[];
  nodeModulesBytes: number;
  nodeModulesFiles: number;
  ms: number;
}

/** Bytes and regular files under `dir`, symlinks not followed. */
function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
    files += 1;
  }
  return { bytes, files };
}

/**
 * The folder a user installs from after `npm ci --omit=dev`, built without network: the
 * package's published files (package.json `files` + package.json) and a real node_modules
 * holding exactly the folders `npm ls --omit=dev --all --parseable` lists, at the same
 * relative paths. Each listed folder is copied without its own node_modules; the nested
 * packages npm needs there are listed themselves.
 */
function stageInstallSource(root: string, dest: string): StagedSource {
  const started = Date.now();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files?: string[] };
  mkdirSync(dest, { recursive: true });
  for (const entry of [...(pkg.files ?? []), 'package.json']) {
    if (existsSync(join(root, entry))) cpSync(join(root, entry), join(dest, entry), { recursive: true });
  }
  const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' });
  if (ls.status !== 0) throw new Error(`npm ls --omit=dev failed (${ls.status ?? ls.signal}): ${ls.error?.message ?? ''}\n${ls.stderr}\n${ls.stdout}`);
  const packages: string[] = [];
  for (const line of ls.stdout.split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const rel = relative(root, line);
    if (rel === '') continue;
    if (isAbsolute(rel) || rel.startsWith('..') || !rel.startsWith(`node_modules${sep}`)) {
      throw new Error(`npm ls listed a dependency outside ${root}/node_modules: ${line}`);
    }
    packages.push(rel);
    const own = join(line, 'node_modules');
    cpSync(line, join(dest, rel), { recursive: true, dereference: true, filter: (src) => src !== own });
  }
  const size = treeSize(join(dest, 'node_modules'));
  return { dir: dest, packages, nodeModulesBytes: size.bytes, nodeModulesFiles: size.files, ms: Date.now() - started };
}

function cliOutput(r: CliResult): string {
  return `exit ${r.exitCode} (${r.signal ?? 'no signal'}) after ${r.durationMs} ms\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

describe('openclaw plugins install <folder>', () => {
  let llm: ScriptedLlm;
  let harness: OpenClawHarness;
  let stage: StagedSource;
  let installDir: string;
  let atifDir: string;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    // No plugin at all in the generated config: the install decides where the plugin comes
    // from, and its entry (config, hooks) is added after the install, as a user would.
    harness = await OpenClawHarness.create({ llmBaseUrl: llm.baseUrl, plugins: [] });
    stage = stageInstallSource(PLUGIN_DIR, join(harness.dir, 'install-source'));
    installDir = join(harness.stateDir, 'extensions', PLUGIN_ID);
    atifDir = join(harness.dir, 'atif');
    mkdirSync(atifDir);
    console.info(
      `[plugins-install] staged ${stage.packages.length} production packages: node_modules ` +
        `${(stage.nodeModulesBytes / 1024 / 1024).toFixed(1)} MiB in ${stage.nodeModulesFiles} files, ${stage.ms} ms`,
    );
  });

  afterAll(async () => {
    await harness?.cleanup();
    await llm?.close();
  });

  it('copies the staged folder, production dependencies included, into the state dir', { timeout: 180_000 }, async () => {
    // The stage is what the README's `npm ci --omit=dev` leaves: no OpenClaw in it, but every
    // runtime dependency.
    expect(existsSync(join(stage.dir, 'runtime.js'))).toBe(true);
    expect(existsSync(join(stage.dir, 'node_modules', 'ajv', 'package.json'))).toBe(true);
    expect(existsSync(join(stage.dir, 'node_modules', 'openclaw'))).toBe(false);
    expect(stage.packages).not.toContain(join('node_modules', 'openclaw'));

    // Without --force the CLI cancels a non-ClawHub source when it cannot prompt, and without
    // --accept-capabilities it refuses a plugin that declares a provider.
    const install = await harness.run(['plugins', 'install', stage.dir, '--force', '--accept-capabilities'], { timeoutMs: 170_000 });
    expect(install.exitCode, cliOutput(install)).toBe(0);
    expect(install.stdout, cliOutput(install)).toContain(`Installed plugin: ${PLUGIN_ID}`);

    for (const file of ['runtime.js', 'index.ts', 'openclaw.plugin.json', 'package.json', join('node_modules', 'ajv', 'package.json')]) {
      expect(existsSync(join(installDir, file)), `${file} missing in ${installDir}\n${cliOutput(install)}`).toBe(true);
    }
    // Every package of the production closure was copied along.
    for (const rel of stage.packages) expect(existsSync(join(installDir, rel, 'package.json')), `${rel} not copied`).toBe(true);
    // OpenClaw is not copied: at most the install links the running OpenClaw as the plugin's
    // peer dependency (2026.9.6 prints `Linked peerDependency "openclaw" -> <its package>`).
    const linked = join(installDir, 'node_modules', 'openclaw');
    if (existsSync(linked)) {
      expect(lstatSync(linked).isSymbolicLink(), `${linked} is a copy, not a link`).toBe(true);
      expect(realpathSync(linked)).toBe(dirname(harness.openclawEntry));
    }

    // The install enabled the plugin by id and pointed nothing at the checkout or the stage.
    const written = JSON.parse(readFileSync(harness.configPath, 'utf8')) as Doc;
    expect(written.plugins?.entries?.[PLUGIN_ID]?.enabled).toBe(true);
    expect(written.plugins?.load?.paths ?? []).toEqual([]);
  });

  it('loads the installed copy (plugins inspect --runtime)', { timeout: 120_000 }, async () => {
    // Configure it as the README says, on top of what the install wrote.
    const written = JSON.parse(readFileSync(harness.configPath, 'utf8')) as Record<string, unknown>;
    harness.writeConfig(
      deepMerge(written, {
        plugins: { entries: { [PLUGIN_ID]: { enabled: true, hooks: { allowConversationAccess: true }, config: relayConfig({ atifDir }) } } },
      }),
    );

    const inspect = await harness.run(['plugins', 'inspect', PLUGIN_ID, '--runtime', '--json'], { timeoutMs: 110_000 });
    expect(inspect.exitCode, cliOutput(inspect)).toBe(0);
    const report = inspect.json as Doc | undefined;
    expect(report?.plugin, cliOutput(inspect)).toBeDefined();
    // The full report is mostly the config schema; on failure show what explains a load.
    const why = JSON.stringify(
      {
        status: report!.plugin.status,
        error: report!.plugin.error,
        dependencyStatus: report!.plugin.dependencyStatus,
        diagnostics: report!.diagnostics,
        install: report!.install,
        stderr: inspect.stderr.slice(-3000),
      },
      null,
      2,
    );
    expect(report!.plugin.status, why).toBe('loaded');
    expect(report!.plugin.id).toBe(PLUGIN_ID);
    expect(realpathSync(report!.plugin.rootDir)).toBe(realpathSync(installDir));
    expect(realpathSync(report!.plugin.source)).toBe(realpathSync(join(installDir, 'runtime.js')));
    expect(report!.install, why).toMatchObject({ source: 'path', sourcePath: stage.dir, installPath: installDir });
    expect(report!.plugin.dependencyStatus, why).toMatchObject({ installed: true, missing: [] });
    // register() ran: the gateway method and the hooks are there, none of them blocked.
    expect(report!.gatewayMethods).toContain('nemoRelay.status');
    expect(report!.plugin.hookCount).toBeGreaterThan(0);
    const problems = (report!.diagnostics as Doc[]).filter((d) => d.pluginId === PLUGIN_ID && d.level !== 'info');
    expect(problems, JSON.stringify(problems, null, 2)).toEqual([]);
  });

  it('traces a real --local agent turn into one valid ATIF file', { timeout: 180_000 }, async () => {
    const config = JSON.parse(readFileSync(harness.configPath, 'utf8')) as Doc;
    expect(config.plugins?.load?.paths ?? []).toEqual([]);
    expect(config.plugins?.entries?.[PLUGIN_ID]?.config).toBeDefined();

    const before = llm.chatRequests().length;
    const turn = await harness.agentTurn({ sessionKey: 'installed-local', message: 'hello from the installed plugin', local: true, timeoutMs: 170_000 });
    expect(turn.exitCode, cliOutput(turn)).toBe(0);
    const calls = llm.chatRequests().length - before;
    expect(calls, cliOutput(turn)).toBeGreaterThanOrEqual(1);

    const files = readdirSync(atifDir).filter((f) => f.endsWith('.json'));
    expect(files, `no single ATIF file in ${atifDir}: ${JSON.stringify(readdirSync(atifDir))}\n${cliOutput(turn)}`).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(atifDir, files[0]!), 'utf8')) as Doc;
    const v = validateAtif(doc);
    expect(v.valid, JSON.stringify(v.errors)).toBe(true);
    const agent = doc.steps.filter((s: Doc) => s.source === 'agent');
    expect(agent.length).toBeGreaterThanOrEqual(1);
    expect(agent).toHaveLength(calls);
    expect(doc.steps.find((s: Doc) => s.source === 'user')?.message).toContain('hello from the installed plugin');
  });
});
