import { ACK } from '../reply.js';
import { command } from '../table.js';

export const exitCommand = command({
  name: 'exit',
  usage: '/exit',
  help: 'Leave the chat.',
  params: 'none',
  run({ session }) {
    return { reply: ACK, afterReply: () => session.close({ code: 'LEFT', message: 'Goodbye.' }) };
  },
});
