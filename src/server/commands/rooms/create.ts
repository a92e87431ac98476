import { wholeNumber } from '../args.js';
import { CommandError } from '../command-error.js';
import { command } from '../table.js';

export const createCommand = command({
  name: 'create',
  usage: '/create #room [--private] [--max N]',
  help: 'Create a room you own; --private makes it invite-only, --max N caps its members.',
  minParams: 1,
  maxParams: Number.POSITIVE_INFINITY,
  minProtocol: 2,
  run({ ctx, member, params }) {
    const [room = '', ...flags] = params;
    let isPrivate = false;
    let max: number | null = null;
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i];
      if (flag === '--private' && !isPrivate) isPrivate = true;
      else if (flag === '--max' && max === null) {
        const value = flags[++i];
        if (value === undefined) throw new CommandError('MISSING_ARGUMENT', `Usage: ${this.usage}`);
        max = wholeNumber(value, 2, ctx.limits.maxRoomCapacity, '--max');
      } else throw new CommandError('INVALID_ARGUMENT', `Unexpected "${(flag ?? '').slice(0, 32)}". Usage: ${this.usage}`);
    }
    return ctx.rooms.create(member, room, { private: isPrivate, max });
  },
});
