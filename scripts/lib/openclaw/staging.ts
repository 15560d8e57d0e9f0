// Puts plugins where OpenClaw will accept them. OpenClaw refuses a plugin entry that sits
// inside another plugin's package ("Plugin entry is outside its captured source package"),
// so neither the checkout nor the helper plugins under scripts/lib or test/support are loaded in place.

import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { PluginSpec } from './config.ts';
import { PLUGIN_DIR, REPO_ROOT } from './paths.ts';

/**
 * Copies what the package publishes (package.json `files`) to `dest`, as an install would,
 * with node_modules linked to the checkout's: dependencies resolve, and since the link's real
 * path is outside `dest`, OpenClaw does not count the OpenClaw install in it as our source.
 */
export function stagePluginPackage(root: string, dest: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files?: string[] };
  mkdirSync(dest, { recursive: true });
  for (const entry of [...(pkg.files ?? []), 'package.json']) {
    if (existsSync(join(root, entry))) cpSync(join(root, entry), join(dest, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'), 'dir');
  return dest;
}

function isNestedIn(path: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Rewrites each plugin's path to a loadable one under `runDir`/plugins: the checkout is
 * staged as a package; a helper plugin that lives inside the plugin under test
 * (scripts/lib/..., test/support/...) is copied out; any other path is used as given.
 */
export function stagePlugins(plugins: PluginSpec[], runDir: string): PluginSpec[] {
  return plugins.map((p) => {
    if (p.path && resolve(p.path) === resolve(REPO_ROOT)) return { ...p, path: stagePluginPackage(REPO_ROOT, join(runDir, 'plugins', p.id)) };
    if (!p.path || !isNestedIn(p.path, PLUGIN_DIR)) return p;
    const copy = join(runDir, 'plugins', p.id);
    cpSync(p.path, copy, { recursive: true });
    return { ...p, path: copy };
  });
}
