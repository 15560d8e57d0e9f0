// package.json's `openclaw` block against the checks OpenClaw's own installer runs for
// `openclaw plugins install npm:<package>` (validateOpenClawPackageCompatibility / ...Install...:
// resolvePackagePluginApiRange, satisfiesPluginApiRange, checkMinHostVersion) and ClawHub's
// minGatewayVersion check. Those functions are not on a public plugin-sdk entry, so they are
// loaded from the pinned devDependency's dist by name (its bundler renames exports to one letter).

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

type Doc = Record<string, any>;

const require = createRequire(import.meta.url);
/** The installed openclaw package's folder (its exports map hides package.json). */
function packageRoot(from: string): string {
  let dir = dirname(from);
  while (dir !== dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'openclaw') return dir;
    } catch {
      // no package.json here
    }
    dir = dirname(dir);
  }
  throw new Error(`no openclaw package above ${from}`);
}
const openclawRoot = packageRoot(require.resolve('openclaw/plugin-sdk/plugin-entry'));
const dist = join(openclawRoot, 'dist');
const hostVersion: string = JSON.parse(readFileSync(join(openclawRoot, 'package.json'), 'utf8')).version;
const pkg: Doc = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
const manifest: Doc = JSON.parse(readFileSync(new URL('../../../openclaw.plugin.json', import.meta.url), 'utf8'));

/** Imports OpenClaw's internal function `name` from the dist chunk that defines and exports it. */
async function openclawInternal<T>(name: string): Promise<T> {
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.mjs'))) {
    const text = readFileSync(join(dist, file), 'utf8');
    if (!text.includes(`function ${name}(`)) continue;
    const exported = /export \{([^}]*)\};?\s*$/.exec(text)?.[1] ?? '';
    const alias = exported
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/))
      .find(([original]) => original === name)?.[1];
    if (alias === undefined) continue;
    const mod = (await import(pathToFileURL(join(dist, file)).href)) as Record<string, unknown>;
    return mod[alias] as T;
  }
  throw new Error(`OpenClaw ${hostVersion} has no exported internal function ${name}`);
}

type RangeCheck = { ok: true; range?: string } | { ok: false; error: string };
type MinHostCheck = { ok: boolean; kind?: string };

let resolvePackagePluginApiRange: (meta: unknown) => RangeCheck;
let satisfiesPluginApiRange: (version: string, range: string | undefined) => boolean;
let checkMinHostVersion: (params: { currentVersion: string; minHostVersion?: string; allowLegacyBareSemver?: boolean }) => MinHostCheck;

beforeAll(async () => {
  resolvePackagePluginApiRange = await openclawInternal('resolvePackagePluginApiRange');
  satisfiesPluginApiRange = await openclawInternal('satisfiesPluginApiRange');
  checkMinHostVersion = await openclawInternal('checkMinHostVersion');
});

describe('package.json openclaw block (publish and `openclaw plugins install npm:`)', () => {
  const block = pkg.openclaw as Doc;

  it('declares compat.pluginApi as a range the installer accepts, with a floor that excludes older hosts', () => {
    const check = resolvePackagePluginApiRange(block);
    expect(check).toEqual({ ok: true, range: block.compat.pluginApi });
    expect(satisfiesPluginApiRange(hostVersion, block.compat.pluginApi)).toBe(true);
    // A floor, not a formality: the release before the one we build against is refused.
    expect(satisfiesPluginApiRange('2026.9.5', block.compat.pluginApi)).toBe(false);
    expect(satisfiesPluginApiRange('2026.10.1', block.compat.pluginApi)).toBe(true);
    // The checker is real: a malformed compat block is rejected.
    expect(resolvePackagePluginApiRange({ compat: { pluginApi: 7 } }).ok).toBe(false);
  });

  it('declares minGatewayVersion and install.minHostVersion that the host checks accept', () => {
    expect(checkMinHostVersion({ currentVersion: hostVersion, minHostVersion: block.compat.minGatewayVersion, allowLegacyBareSemver: true })).toMatchObject({ ok: true });
    expect(checkMinHostVersion({ currentVersion: '2026.9.5', minHostVersion: block.compat.minGatewayVersion, allowLegacyBareSemver: true })).toMatchObject({ ok: false, kind: 'incompatible' });
    expect(checkMinHostVersion({ currentVersion: hostVersion, minHostVersion: block.install.minHostVersion })).toMatchObject({ ok: true });
    expect(checkMinHostVersion({ currentVersion: hostVersion, minHostVersion: 'soon' })).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('build names the OpenClaw release this package is built and tested against', () => {
    expect(block.build).toEqual({ openclawVersion: hostVersion, pluginSdkVersion: hostVersion });
    expect(pkg.devDependencies.openclaw).toBe(hostVersion);
    expect(pkg.peerDependencies.openclaw).toBe(`>=${hostVersion}`);
  });

  it('publishes the entry points and the manifest that `openclaw.extensions` and the loader need', () => {
    expect(block.extensions).toEqual(['./index.ts']);
    for (const entry of [...block.extensions, ...block.runtimeExtensions]) expect(pkg.files).toContain(entry.replace(/^\.\//, ''));
    expect(pkg.files).toContain('openclaw.plugin.json');
    expect(block.providers).toEqual(manifest.providers);
  });
});

describe('openclaw.plugin.json provider auth (onboard / models auth)', () => {
  it('offers one auth choice that dispatches to the dynamo provider\'s "custom" method', () => {
    expect(manifest.providerAuthChoices).toEqual([
      expect.objectContaining({ provider: 'dynamo', method: 'custom', choiceId: 'dynamo', groupId: 'dynamo' }),
    ]);
    expect(manifest.setup.providers).toEqual([{ id: 'dynamo', envVars: ['DYNAMO_API_KEY'], authMethods: ['custom'] }]);
    // The default key comes from the provider's synthetic auth, which OpenClaw probes for these
    // refs; requiresRuntime: false keeps OpenClaw from planning a setup-provider direct attempt that
    // switches plugin synthetic auth off (test/e2e/dynamo-models-list.test.ts proves the turn).
    expect(manifest.syntheticAuthRefs).toEqual(['dynamo']);
    expect(manifest.setup.requiresRuntime).toBe(false);
  });
});
