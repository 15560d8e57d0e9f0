// Moved to scripts/lib/ so scripts and bench need not import test/; tests keep this path.
export * from '../../scripts/lib/fake-host.ts';
