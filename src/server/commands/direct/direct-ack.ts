import { memberMessage } from '../table.js';

/** `direct-ack`: this device kept every direct message up to `upTo`; the server frees them (no reply). */
export const directAckMessage = memberMessage(
  'direct-ack',
  { roles: ['user'], bucket: 'command', touchesActivity: false, minProtocol: 3, audit: false },
  ({ ctx, member, message }) => {
    ctx.direct.ack(member, message.upTo);
    return {};
  },
);
