// The world the fuzz generator draws from: ids (mostly a few hot ones so sessions and runs
// really develop, plus hostile ones that must never reach a path), the recorded OpenClaw
// streams it mixes in, and the hooks it generates events for.

import { SUBSCRIBED_HOOKS } from '../../../../src/ingest/hook-names.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const TEN_KB = 'ten kB of text, '.repeat(640);
export const HOSTILE_IDS = [
  '../../../escape',
  `${'../'.repeat(40)}etc/passwd`,
  '/etc/passwd',
  'nul\u0000byte',
  'new\nline\r\n',
  '..',
  '.',
  '',
  ' ',
  '.hidden',
  'a/b\\c',
  '%2e%2e%2f',
  '\u202egnp.exe',
  'CON',
  `z${TEN_KB}`,
];
export const SESSION_KEYS = [...range(6).map((i) => `agent:main:fz-${i}`), 'agent:main:subagent:0f0f0f0f-aaaa-bbbb', 'agent:main:subagent:../../x', ...HOSTILE_IDS];
export const SESSION_IDS = [...range(4).map((i) => `0000000${i}-1111-2222-3333-444444444444`), ...HOSTILE_IDS];
export const RUN_IDS = [...range(10).map((i) => `run-${i}`), 'announce:v1:agent:main:subagent:0f0f0f0f-aaaa-bbbb:run-3', '../run', 'r\u0000n', 'r\nn', `r${TEN_KB}`];
export const CALL_IDS = [...RUN_IDS.slice(0, 10).flatMap((r) => [1, 2, 3].map((n) => `${r}:model:${n}`)), 'no-model', 'x:model:99999999999999999999999', '../../:model:1'];
export const TOOL_CALL_IDS = ['call_1', 'call_1_0', 'call10', 'call_2', 'tc/../../x', 'tc\u0000z', 'tc\nz', 'spawn-1'];
export const TOOL_NAMES = ['probe_echo', 'sessions_spawn', 'fail_tool', '../../bin/sh', 'tool\u0000name', 'n'.repeat(300)];
export const FIXTURES = [
  'gateway-tool-call.jsonl',
  'gateway-subagent.jsonl',
  'gateway-failing-tool.jsonl',
  'gateway-parallel-tools.jsonl',
  'http-chat-completions.jsonl',
  'local-turn.jsonl',
  'gateway-no-conversation-access.jsonl',
];
export const GEN_HOOKS = SUBSCRIBED_HOOKS.filter((h) => h !== 'gateway_stop');
