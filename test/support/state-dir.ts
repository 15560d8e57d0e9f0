// Vitest setup: every test file gets its own OpenClaw state directory unless the test sets
// one, so outputs with default paths (the OTLP disk spool) never write to the real
// ~/.openclaw, and nothing spooled by one test file is delivered to another's receiver.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.OPENCLAW_STATE_DIR ??= mkdtempSync(join(tmpdir(), 'nr-test-state-'));
