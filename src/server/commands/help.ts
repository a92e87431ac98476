import type { CommandSpec } from './types.js';

export const helpCommand: CommandSpec = {
  name: 'help',
  usage: '/help',
  help: 'List the commands you can use.',
  params: 'none',
  minParams: 0,
  roles: ['user'],
  run({ server, session, id }) {
    session.send({ type: 'help', ref: id, commands: server.commandsFor(session.role, session.protocol).map((c) => ({ usage: c.usage, help: c.help })) });
  },
};
