import { obj } from '../read.ts';
import { parseMessage, type MessageIn } from './fields.ts';
import { done, hook, reject, type Base } from './types.ts';

export type MessageWriteEvent = Base & { type: 'message_write'; message: MessageIn };

export const beforeMessageWrite = hook('before_message_write', (x) => {
  const message = parseMessage(obj(x.e, 'message', x.bad), x.bad, 'message');
  if (!message) return reject<MessageWriteEvent>(x, 'before_message_write: message missing or without role');
  return done<MessageWriteEvent>(x, { ...x.base, type: 'message_write', message });
});
