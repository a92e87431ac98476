import { FILES_PROTOCOL_VERSION } from '../../../protocol/files.js';
import { command } from '../table.js';

/** Remove a shared file: whoever shared it, the room's owner, or root. */
export const unshareCommand = command({
  name: 'unshare',
  usage: '/unshare <id>',
  help: 'Remove a file you shared (room owners: any file in their room).',
  minParams: 1,
  minProtocol: FILES_PROTOCOL_VERSION,
  run({ ctx, member, params }) {
    return ctx.files.unshare(member, params[0] ?? '');
  },
});
