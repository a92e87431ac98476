import { wholeNumber } from './arity.js';
import { CommandError, type CommandSpec } from './types.js';

export const createCommand: CommandSpec = {
  name: 'create',
  usage: '/create #room [--private] [--max N]',
  help: 'Create a room you own; --private makes it invite-only, --max N caps its members.',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    const [room = '', ...flags] = params;
    let isPrivate = false;
    let max: number | null = null;
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i];
      if (flag === '--private' && !isPrivate) isPrivate = true;
      else if (flag === '--max' && max === null) {
        const value = flags[++i];
        if (value === undefined) throw new CommandError('MISSING_ARGUMENT', `Usage: ${this.usage}`);
        max = wholeNumber(value, 2, server.community.options.maxCapacity, '--max');
      } else throw new CommandError('INVALID_ARGUMENT', `Unexpected "${(flag ?? '').slice(0, 32)}". Usage: ${this.usage}`);
    }
    server.community.createRoom(session, id, room, { private: isPrivate, max });
  },
};
