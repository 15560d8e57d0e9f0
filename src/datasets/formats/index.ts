import { atifJsonl } from './atif-jsonl.ts';
import type { DatasetFormat } from './format.ts';
import { openAiChatJsonl } from './openai-chat-jsonl.ts';
import { shareGpt } from './sharegpt.ts';

export const FORMATS: readonly DatasetFormat[] = [openAiChatJsonl, shareGpt, atifJsonl];

export function formatNamed(name: string): DatasetFormat {
  const f = FORMATS.find((x) => x.name === name);
  if (!f) throw new Error(`--format: "${name}" is not one of ${FORMATS.map((x) => x.name).join(', ')}`);
  return f;
}
