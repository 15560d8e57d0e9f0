// Types for scripts/bootstrap.mjs (plain JavaScript so that Node 20 can run it).
export function supportedNode(version: string): boolean;
export function nodePackageName(platform?: string, arch?: string): string;
export function cacheDir(env?: Record<string, string | undefined>): string;
export function staleDependencies(root?: string): string;
