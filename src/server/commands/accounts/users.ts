import { rootCommand } from '../table.js';

export const usersCommand = rootCommand({
  name: 'users',
  usage: 'users',
  help: 'List registered accounts and when each was last seen.',
  minProtocol: 2,
  run({ ctx }) {
    return ctx.accounts.list();
  },
});
