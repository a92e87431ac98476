import { canonicalAddress } from '../../abuse/ip-range.js';
import { CommandError } from '../types.js';
import { noMoreThan, result, rootCommand, usageError } from './define.js';

const usage = 'remove -u <name> | -ip <ip>';

export const removeCommand = rootCommand({
  name: 'remove',
  usage,
  help: 'Disconnect a user, or every user at an address.',
  minParams: 2,
  run({ server, params }) {
    noMoreThan(params, 2, usage);
    const [option, target = ''] = params;
    const moderation = server.moderation;
    let victims;
    if (option === '-u') {
      const session = moderation.userNamed(target);
      if (!session) throw new CommandError('NOT_CONNECTED', `Nobody named "${target}" is connected.`);
      victims = [session];
    } else if (option === '-ip') {
      const address = canonicalAddress(target);
      if (!address) throw new CommandError('INVALID_ADDRESS', `"${target}" is not a valid IP address.`);
      victims = moderation.usersAt(address);
      if (victims.length === 0) throw new CommandError('NOT_CONNECTED', `No user is connected from ${address}.`);
    } else {
      throw usageError(usage, `Unknown option "${option ?? ''}".`);
    }
    for (const victim of victims) moderation.kick(victim);
    const names = victims.map((v) => `${v.name} (${v.address})`);
    return { reply: result('Removed', { lines: [`Removed ${names.join(', ')}.`] }), detail: `removed ${victims.map((v) => v.name).join(', ')}` };
  },
});
