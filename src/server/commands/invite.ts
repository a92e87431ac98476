import { atMost } from './arity.js';
import type { CommandSpec } from './types.js';

export const inviteCommand: CommandSpec = {
  name: 'invite',
  usage: '/invite #room',
  help: 'Show the invite code of an invite-only room you are in.',
  params: 'words',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  run({ server, session, id, params }) {
    atMost(params, 1, this.usage);
    server.community.invite(session, id, params[0] ?? '');
  },
};
