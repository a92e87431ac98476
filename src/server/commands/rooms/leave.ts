import { command } from '../table.js';

export const leaveCommand = command({
  name: 'leave',
  usage: '/leave #room',
  help: 'Leave a room (everyone stays in #lobby).',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.leave(member, params[0] ?? '');
  },
});
