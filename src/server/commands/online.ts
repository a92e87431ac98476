import type { CommandSpec } from './types.js';

export const onlineCommand: CommandSpec = {
  name: 'online',
  usage: '/online',
  help: 'Show who is online.',
  params: 'none',
  minParams: 0,
  roles: ['user'],
  run({ server, session, id }) {
    session.send({ type: 'online', ref: id, users: server.onlineNames() });
  },
};
