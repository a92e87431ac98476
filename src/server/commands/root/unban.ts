import { parseIpRange } from '../../abuse/ip-range.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { result } from './format.js';

export const unbanCommand = rootCommand({
  name: 'unban',
  usage: 'unban <ip, CIDR or name>',
  help: 'Lift a ban on an address, a range or a name.',
  minParams: 1,
  run({ ctx, params }) {
    const typed = params[0] ?? '';
    // Anything that parses as an address or range is one; everything else is a name.
    const range = parseIpRange(typed);
    const kind = range ? 'address' : 'name';
    const target = range ? range.text : typed;
    if (!ctx.moderation.bans.remove(kind, target)) throw new CommandError('NOT_BANNED', `There is no ban on ${kind === 'name' ? 'the name ' : ''}${target}. "bans" lists them.`);
    return result('Unbanned', { lines: [`Lifted the ban on ${kind === 'name' ? 'the name ' : ''}${target}.`] });
  },
});
