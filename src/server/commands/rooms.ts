import type { CommandSpec } from './types.js';

export const roomsCommand: CommandSpec = {
  name: 'rooms',
  usage: '/rooms',
  help: 'List public rooms and yours, with member counts.',
  params: 'none',
  minParams: 0,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ server, session, id }) {
    server.community.listRooms(session, id);
  },
};
