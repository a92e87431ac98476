import { ACK } from '../reply.js';
import { rootCommand } from '../table.js';

export const rootExitCommand = rootCommand({
  name: 'exit',
  usage: 'exit',
  help: 'Leave the root console (the server keeps running).',
  run({ session }) {
    return { reply: ACK, afterReply: () => session.close({ code: 'LEFT', message: 'Goodbye.' }) };
  },
});
