import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const usersCommand: CommandSpec = {
  name: 'users',
  usage: 'users',
  help: 'List registered accounts and when each was last seen.',
  params: 'words',
  minParams: 0,
  roles: ['root'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 0, this.usage);
    server.community.listAccounts(session, id);
  },
};
