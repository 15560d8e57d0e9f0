// Moved to scripts/lib/openclaw/; tests keep this path.
export * from '../../../scripts/lib/openclaw/cli.ts';
