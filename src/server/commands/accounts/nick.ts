import { command } from '../table.js';

export const nickCommand = command({
  name: 'nick',
  usage: '/nick <newname>',
  help: 'Change your name (a registered account moves with you).',
  minParams: 1,
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.accounts.rename(member, params[0] ?? '');
  },
});
