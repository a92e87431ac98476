import { errorText } from '../../common/errors.js';
import { checkText } from '../../protocol/text.js';
import { CommandError, type CommandSpec } from './types.js';

export const requestCommand: CommandSpec = {
  name: 'request',
  usage: '/request <message>',
  help: 'Leave a request for the server admin.',
  params: 'text',
  minParams: 1,
  roles: ['user'],
  async run({ server, session, id, params }) {
    const checked = checkText(params[0] ?? '', server.limits.maxRequestLength);
    if ('error' in checked) {
      const message = checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'request', max: server.limits.maxRequestLength }) : undefined;
      throw new CommandError(checked.error, message);
    }
    try {
      await server.requests.append(session.name, session.address, checked.text, new Date(server.now()));
    } catch (error) {
      server.reportStorageFailure('requests', error);
      throw new CommandError('STORAGE_FAILED', 'Your request could not be stored; please try again later.');
    }
    server.logger.info('request stored', { conn: session.id, user: session.name });
    session.send({ type: 'ack', ref: id, text: 'Your request was stored for the admin.' });
  },
};
