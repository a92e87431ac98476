import type { CommandSpec } from './types.js';

export const exitCommand: CommandSpec = {
  name: 'exit',
  usage: '/exit',
  help: 'Leave the chat.',
  params: 'none',
  minParams: 0,
  roles: ['user'],
  run({ session, id }) {
    session.send({ type: 'ack', ref: id });
    session.close({ code: 'LEFT', message: 'Goodbye.' });
  },
};
