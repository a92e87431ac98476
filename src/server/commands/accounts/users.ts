import { wholeNumber } from '../args.js';
import { rootCommand } from '../table.js';

export const usersCommand = rootCommand({
  name: 'users',
  usage: 'users [page]',
  help: (limits) => `List registered accounts and when each was last seen, ${limits.usersPerPage} a page.`,
  minProtocol: 2,
  maxParams: 1,
  run({ ctx, params }) {
    const page = params[0] === undefined ? 1 : wholeNumber(params[0], 1, 1_000_000, 'page');
    return ctx.accounts.list(page, ctx.limits.usersPerPage);
  },
});
