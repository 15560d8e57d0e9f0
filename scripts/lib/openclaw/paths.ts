// Where the plugin under test and the helper plugins live. Kept apart from the process and
// config code so scripts (demo, bench, fixture recording) can name folders without pulling
// in anything that spawns.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file sits in scripts/lib/openclaw/, three levels below the checkout.
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * The plugin under test: the checkout. The harness never hands OpenClaw the checkout folder
 * itself but a staged copy of its package files (see stagePluginPackage), because the
 * checkout's node_modules holds OpenClaw (a dev dependency) and OpenClaw then takes its own
 * bundled extensions for files of our plugin ("Plugin entry is outside its captured source
 * package"). NEMO_RELAY_PLUGIN_DIR may name another plugin folder to test.
 */
export const PLUGIN_DIR = process.env.NEMO_RELAY_PLUGIN_DIR ?? REPO_ROOT;
export const PROBE_TOOLS_PLUGIN_DIR = join(REPO_ROOT, 'scripts', 'lib', 'probe-tools-plugin');
export const RECORDER_PLUGIN_DIR = join(REPO_ROOT, 'test', 'support', 'recorder-plugin');
