import type { CommandSpec } from './types.js';

export const ipCommand: CommandSpec = {
  name: 'ip',
  usage: '/ip',
  help: 'Show the address the server sees for you.',
  params: 'none',
  minParams: 0,
  roles: ['user'],
  run({ session, id }) {
    session.send({ type: 'ip', ref: id, address: session.address });
  },
};
