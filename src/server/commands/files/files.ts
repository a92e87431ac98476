import { FILES_PROTOCOL_VERSION } from '../../../protocol/files.js';
import { command } from '../table.js';

/** The files shared in a room (default: the current one) or between you and one person. */
export const filesCommand = command({
  name: 'files',
  usage: '/files [#room|@name]',
  help: 'List the files shared in a room, or between you and one person (name, size, who, when, id).',
  minParams: 0,
  maxParams: 1,
  minProtocol: FILES_PROTOCOL_VERSION,
  run({ ctx, member, params }) {
    return ctx.files.list(member, params[0]);
  },
});
