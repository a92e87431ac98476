import { memberMessage } from '../table.js';

/** `direct`: a sealed direct message; answered `ack` once it is stored and sent (protocol 3). */
export const directMessage = memberMessage(
  'direct',
  { roles: ['user'], roleRefusal: 'Root sessions do not send direct messages.', bucket: 'say', touchesActivity: true, minProtocol: 3, audit: false },
  ({ ctx, member, message }) => ctx.direct.send(member, message),
);
