import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const joinCommand: CommandSpec = {
  name: 'join',
  usage: '/join #room | /join <invite-code>',
  help: 'Join a public room by name, or an invite-only room with its code.',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  async run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    await server.community.joinRoom(session, id, params[0] ?? '');
  },
};
