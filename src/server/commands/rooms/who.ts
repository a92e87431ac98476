import { command } from '../table.js';

export const whoCommand = command({
  name: 'who',
  usage: '/who #room',
  help: 'List the members of a room and who of them is online.',
  minParams: 1,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.who(member, params[0] ?? '');
  },
});
