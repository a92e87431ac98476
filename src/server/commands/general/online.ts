import { command } from '../table.js';

export const onlineCommand = command({
  name: 'online',
  usage: '/online',
  help: 'Show who is online.',
  params: 'none',
  run({ ctx }) {
    return { type: 'online', users: ctx.roster.userNames() };
  },
});
