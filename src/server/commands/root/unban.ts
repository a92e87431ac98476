import { parseIpRange } from '../../abuse/ip-range.js';
import { CommandError } from '../types.js';
import { noMoreThan, result, rootCommand } from './define.js';

export const unbanCommand = rootCommand({
  name: 'unban',
  usage: 'unban <ip, CIDR or name>',
  help: 'Lift a ban on an address, a range or a name.',
  minParams: 1,
  run({ server, params }) {
    noMoreThan(params, 1, 'unban <ip, CIDR or name>');
    const typed = params[0] ?? '';
    // Anything that parses as an address or range is one; everything else is a name.
    const range = parseIpRange(typed);
    const kind = range ? 'address' : 'name';
    const target = range ? range.text : typed;
    if (!server.moderation.bans.remove(kind, target)) throw new CommandError('NOT_BANNED', `There is no ban on ${kind === 'name' ? 'the name ' : ''}${target}. "bans" lists them.`);
    return { reply: result('Unbanned', { lines: [`Lifted the ban on ${kind === 'name' ? 'the name ' : ''}${target}.`] }) };
  },
});
