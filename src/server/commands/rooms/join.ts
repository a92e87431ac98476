import { command } from '../table.js';

export const joinCommand = command({
  name: 'join',
  usage: '/join #room | /join <invite-code>',
  help: 'Join a public room by name, or an invite-only room with its code.',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.join(member, params[0] ?? '');
  },
});
