import { noMoreThan, rootCommand } from './define.js';

export const rootExitCommand = rootCommand({
  name: 'exit',
  usage: 'exit',
  help: 'Leave the root console (the server keeps running).',
  minParams: 0,
  run({ session, params }) {
    noMoreThan(params, 0, 'exit');
    return { reply: { type: 'ack' }, afterReply: () => session.close({ code: 'LEFT', message: 'Goodbye.' }) };
  },
});
