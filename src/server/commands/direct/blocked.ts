import { command } from '../table.js';

export const blockedCommand = command({
  name: 'blocked',
  usage: '/blocked',
  help: 'List the names you blocked.',
  params: 'none',
  minProtocol: 3,
  run({ ctx, member }) {
    return ctx.direct.blocks.list(member);
  },
});
