import { CommandError } from '../types.js';
import { noMoreThan, result, rootCommand } from './define.js';

export const cancelShutdownCommand = rootCommand({
  name: 'cancel-shutdown',
  usage: 'cancel-shutdown',
  help: 'Cancel a scheduled shutdown; everyone is told.',
  minParams: 0,
  run({ server, session, params }) {
    noMoreThan(params, 0, 'cancel-shutdown');
    if (!server.moderation.cancelShutdown(session.name)) throw new CommandError('NO_SHUTDOWN_PENDING', 'No shutdown is scheduled, so there is nothing to cancel.');
    return { reply: result('Shutdown cancelled', { lines: ['The scheduled shutdown was cancelled; everyone was told.'] }) };
  },
});
