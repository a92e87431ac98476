import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const nickCommand: CommandSpec = {
  name: 'nick',
  usage: '/nick <newname>',
  help: 'Change your name (a registered account moves with you).',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.rename(session, id, params[0] ?? '');
  },
};
