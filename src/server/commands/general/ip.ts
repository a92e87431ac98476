import { command } from '../table.js';

export const ipCommand = command({
  name: 'ip',
  usage: '/ip',
  help: 'Show the address the server sees for you.',
  params: 'none',
  run({ session }) {
    return { type: 'ip', address: session.address };
  },
});
