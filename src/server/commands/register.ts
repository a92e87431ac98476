import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const registerCommand: CommandSpec = {
  name: 'register',
  usage: '/register <password>',
  help: 'Protect your name with a password (at least 8 characters); the interactive client asks for it.',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  async run({ server, session, id, params }) {
    atMost(params, 1, this.usage, 'quote a password that contains spaces');
    await server.community.register(session, id, params[0] ?? '');
  },
};
