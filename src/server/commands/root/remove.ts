import { canonicalAddress } from '../../abuse/ip-range.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { result, usageError } from './format.js';

const usage = 'remove -u <name> | -ip <ip>';

export const removeCommand = rootCommand({
  name: 'remove',
  usage,
  help: 'Disconnect a user, or every user at an address.',
  minParams: 2,
  run({ ctx, params }) {
    const [option, target = ''] = params;
    const moderation = ctx.moderation;
    let victims;
    if (option === '-u') {
      const member = moderation.userNamed(target);
      if (!member) throw new CommandError('NOT_CONNECTED', `Nobody named "${target}" is connected.`);
      victims = [member];
    } else if (option === '-ip') {
      const address = canonicalAddress(target);
      if (!address) throw new CommandError('INVALID_ADDRESS', `"${target}" is not a valid IP address.`);
      victims = moderation.usersAt(address);
      if (victims.length === 0) throw new CommandError('NOT_CONNECTED', `No user is connected from ${address}.`);
    } else {
      throw usageError(usage, `Unknown option "${option ?? ''}".`);
    }
    for (const victim of victims) moderation.kick(victim);
    const names = victims.map((v) => `${v.name} (${v.session.address})`);
    return { reply: result('Removed', { lines: [`Removed ${names.join(', ')}.`] }), detail: `removed ${victims.map((v) => v.name).join(', ')}` };
  },
});
