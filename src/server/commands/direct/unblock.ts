import { command } from '../table.js';

export const unblockCommand = command({
  name: 'unblock',
  usage: '/unblock <name>',
  help: 'Receive direct messages from someone you blocked again.',
  minParams: 1,
  minProtocol: 3,
  run({ ctx, member, params }) {
    return ctx.direct.blocks.unblock(member, params[0] ?? '');
  },
});
