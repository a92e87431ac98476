import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const leaveCommand: CommandSpec = {
  name: 'leave',
  usage: '/leave #room',
  help: 'Leave a room (everyone stays in #lobby).',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.leaveRoom(session, id, params[0] ?? '');
  },
};
