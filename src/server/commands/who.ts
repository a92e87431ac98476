import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const whoCommand: CommandSpec = {
  name: 'who',
  usage: '/who #room',
  help: 'List the members of a room and who of them is online.',
  params: 'words',
  minParams: 1,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.who(session, id, params[0] ?? '');
  },
};
