import { command } from '../table.js';

export const helpCommand = command({
  name: 'help',
  usage: '/help',
  help: 'List the commands you can use.',
  params: 'none',
  run({ ctx, member }) {
    return { type: 'help', commands: ctx.listCommands(member.role, member.protocol) };
  },
});
