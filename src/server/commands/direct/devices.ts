import { CommandError } from '../command-error.js';
import { command } from '../table.js';

/** Your account's devices (keys for direct messages), and removing one you no longer have. */
export const devicesCommand = command({
  name: 'devices',
  usage: '/devices [remove <id>]',
  help: (limits) => `List your devices for direct messages (at most ${limits.maxDevices}); "remove <id>" removes a lost one for good.`,
  minParams: 0,
  maxParams: 2,
  minProtocol: 3,
  run({ ctx, member, params }) {
    const [verb, id] = params;
    if (verb === undefined) return ctx.direct.devices.own(member);
    if (verb !== 'remove' || id === undefined) throw new CommandError('INVALID_ARGUMENT', 'Usage: /devices, or /devices remove <id>');
    return ctx.direct.devices.remove(member, id);
  },
});
