import { memberMessage } from '../table.js';

/** `devices-get`: the device keys published for up to 16 names (to seal a direct message to them). */
export const devicesGetMessage = memberMessage(
  'devices-get',
  { roles: ['user'], bucket: 'command', touchesActivity: false, minProtocol: 3, audit: false },
  ({ ctx, message }) => ctx.direct.devices.lookup(message.names),
);
