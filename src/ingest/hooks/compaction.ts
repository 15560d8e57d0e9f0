import { num } from '../read.ts';
import { done, hook, type Base, type HookInput, type Parsed } from './types.ts';

export type CompactionEvent = Base & { type: 'compaction'; phase: 'before' | 'after'; messageCount?: number; compactedCount?: number; tokenCount?: number };

const parse = (x: HookInput): Parsed<CompactionEvent> =>
  done(x, {
    ...x.base,
    type: 'compaction',
    phase: x.hook === 'before_compaction' ? 'before' : 'after',
    messageCount: num(x.e, 'messageCount', x.bad),
    compactedCount: num(x.e, 'compactedCount', x.bad),
    tokenCount: num(x.e, 'tokenCount', x.bad),
  });

export const beforeCompaction = hook('before_compaction', parse);
export const afterCompaction = hook('after_compaction', parse);
