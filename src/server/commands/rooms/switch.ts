import { command } from '../table.js';

export const switchCommand = command({
  name: 'switch',
  usage: '/switch #room',
  help: 'Send your plain lines to this room from now on.',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.switchTo(member, params[0] ?? '');
  },
});
