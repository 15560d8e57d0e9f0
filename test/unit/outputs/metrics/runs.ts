// Moved to scripts/lib/sample-runs.ts (bench/outputs-cost.ts uses it too); tests keep this path.
export * from '../../../../scripts/lib/sample-runs.ts';
