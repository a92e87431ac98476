import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

/** Owners kick from their rooms; root (`kick #room name`) from any room. */
export const kickCommand: CommandSpec = {
  name: 'kick',
  usage: '/kick #room <name>',
  help: 'Remove someone from a room you own (root: any room).',
  params: 'words',
  minParams: 2,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 2, this.usage);
    server.community.kick(session, id, params[0] ?? '', params[1] ?? '');
  },
};
