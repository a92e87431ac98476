import { command } from '../table.js';

export const roomsCommand = command({
  name: 'rooms',
  usage: '/rooms',
  help: 'List public rooms and yours, with member counts.',
  params: 'none',
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ ctx, member }) {
    return ctx.rooms.list(member);
  },
});
