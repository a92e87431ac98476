import { rootCommand } from '../table.js';

export const deleteUserCommand = rootCommand({
  name: 'delete-user',
  usage: 'delete-user <name>',
  help: 'Delete a registered account (its rooms memberships go too; if online, it is disconnected).',
  minParams: 1,
  run({ ctx, member, params }) {
    return ctx.accounts.delete(member, params[0] ?? '');
  },
});
