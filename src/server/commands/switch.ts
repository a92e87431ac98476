import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const switchCommand: CommandSpec = {
  name: 'switch',
  usage: '/switch #room',
  help: 'Send your plain lines to this room from now on.',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.switchTo(session, id, params[0] ?? '');
  },
};
