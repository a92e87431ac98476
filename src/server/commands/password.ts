import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const passwordCommand: CommandSpec = {
  name: 'password',
  usage: '/password <old> <new>',
  help: 'Change your password (the interactive client asks for both).',
  params: 'words',
  minParams: 2,
  roles: ['user'],
  minProtocol: 2,
  async run({ server, session, id, params }) {
    atMost(params, 2, this.usage, 'quote passwords that contain spaces');
    await server.community.changePassword(session, id, params[0] ?? '', params[1] ?? '');
  },
};
