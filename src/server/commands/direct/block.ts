import { command } from '../table.js';

/** No direct messages from that name any more (the sender is not told). */
export const blockCommand = command({
  name: 'block',
  usage: '/block <name>',
  help: 'Receive no direct messages from someone (they are not told).',
  minParams: 1,
  minProtocol: 3,
  run({ ctx, member, params }) {
    return ctx.direct.blocks.block(member, params[0] ?? '');
  },
});
