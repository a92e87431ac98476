import { memberMessage } from '../table.js';

/** `say`: a chat line to #lobby or a room; answered `ack` once it is stored and sent. */
export const sayMessage = memberMessage(
  'say',
  { roles: ['user'], roleRefusal: 'Root sessions send notices with "send", not chat lines.', bucket: 'say', touchesActivity: true, minProtocol: 1, audit: false },
  ({ ctx, member, message }) => ctx.chat.post(member, message.text, message.room),
);
