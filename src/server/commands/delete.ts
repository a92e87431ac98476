import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

/** Owners delete their rooms; root (`delete #room`) any room. History goes with the room. */
export const deleteCommand: CommandSpec = {
  name: 'delete',
  usage: '/delete #room',
  help: 'Delete a room you own, with its history (root: any room).',
  params: 'words',
  minParams: 1,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.deleteRoom(session, id, params[0] ?? '');
  },
};
