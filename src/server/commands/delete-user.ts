import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const deleteUserCommand: CommandSpec = {
  name: 'delete-user',
  usage: 'delete-user <name>',
  help: 'Delete a registered account (its rooms memberships go too; if online, it is disconnected).',
  params: 'words',
  minParams: 1,
  roles: ['root'],
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.deleteAccount(session, id, params[0] ?? '');
  },
};
