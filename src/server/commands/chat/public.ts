import { CommandError } from '../command-error.js';
import { command } from '../table.js';

/** A chat line to a room without switching to it: the same path as `say`, the same bucket. */
export const publicCommand = command({
  name: 'public',
  usage: '/public #room <text>',
  help: 'Say something in a room you are in without switching to it.',
  params: 'text',
  maxArgsLength: (limits) => limits.maxTextLength + 64,
  minParams: 1,
  minProtocol: 2,
  bucket: 'say',
  run({ ctx, member, params }) {
    const match = /^(\S+)\s+([\s\S]+)$/.exec(params[0] ?? '');
    if (!match?.[1] || match[2] === undefined) throw new CommandError('MISSING_ARGUMENT', `Usage: ${this.usage}`);
    return ctx.chat.post(member, match[2], match[1]);
  },
});
