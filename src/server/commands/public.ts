import { errorText } from '../../common/errors.js';
import { checkText } from '../../protocol/text.js';
import { CommandError, type CommandSpec } from './types.js';

export const publicCommand: CommandSpec = {
  name: 'public',
  usage: '/public #room <text>',
  help: 'Say something in a room you are in without switching to it.',
  params: 'text',
  minParams: 1,
  roles: ['user'],
  minProtocol: 2,
  async run({ server, session, id, params }) {
    const match = /^(\S+)\s+([\s\S]+)$/.exec(params[0] ?? '');
    if (!match?.[1] || match[2] === undefined) throw new CommandError('MISSING_ARGUMENT', `Usage: ${this.usage}`);
    const checked = checkText(match[2], server.limits.maxTextLength);
    if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'message', max: server.limits.maxTextLength }) : undefined);
    session.lastActiveAt = server.now();
    await server.community.post(session, id, checked.text, match[1]);
  },
};
