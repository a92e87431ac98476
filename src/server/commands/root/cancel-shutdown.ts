import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { result } from './format.js';

export const cancelShutdownCommand = rootCommand({
  name: 'cancel-shutdown',
  usage: 'cancel-shutdown',
  help: 'Cancel a scheduled shutdown; everyone is told.',
  run({ ctx, member }) {
    if (!ctx.shutdown.cancel(member.name)) throw new CommandError('NO_SHUTDOWN_PENDING', 'No shutdown is scheduled, so there is nothing to cancel.');
    return result('Shutdown cancelled', { lines: ['The scheduled shutdown was cancelled; everyone was told.'] });
  },
});
