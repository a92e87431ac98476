import { command } from '../table.js';

export const inviteCommand = command({
  name: 'invite',
  usage: '/invite #room',
  help: 'Show the invite code of an invite-only room you are in.',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.invite(member, params[0] ?? '');
  },
});
