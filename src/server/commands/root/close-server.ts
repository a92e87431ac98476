import { config } from '../../../../config.js';
import { errorText } from '../../../common/errors.js';
import { checkText } from '../../../protocol/text.js';
import { formatDuration } from '../../moderation/durations.js';
import { CommandError } from '../types.js';
import { messageLength, result, rootCommand, usageError } from './define.js';

const usage = 'close-server [-t <seconds>] [-m "message"]';

/** Parse "-t 30 -m text" in either order. */
function parseOptions(params: readonly string[]): { seconds: number; message: string | undefined } {
  let seconds: number | undefined;
  let message: string | undefined;
  for (let i = 0; i < params.length; i += 2) {
    const option = params[i];
    const value = params[i + 1];
    if (option === '-t' && seconds === undefined) {
      if (value === undefined || !/^\d{1,6}$/.test(value) || Number(value) > config.admin.maxShutdownDelaySeconds) {
        throw new CommandError('INVALID_ARGUMENT', `-t takes a whole number of seconds from 0 to ${config.admin.maxShutdownDelaySeconds}. Usage: ${usage}`);
      }
      seconds = Number(value);
    } else if (option === '-m' && message === undefined) {
      if (value === undefined) throw usageError(usage, '-m needs a message.');
      message = value;
    } else {
      throw usageError(usage, `Unexpected "${option ?? ''}".`);
    }
  }
  return { seconds: seconds ?? 0, message };
}

export const closeServerCommand = rootCommand({
  name: 'close-server',
  usage,
  help: 'Shut down now, or after a countdown (-t), with a message (-m).',
  minParams: 0,
  auditTargets(params) {
    return params.map((word, i) => (params[i - 1] === '-m' ? messageLength(word) : word));
  },
  run({ server, session, params }) {
    const { seconds, message: typed } = parseOptions(params);
    let message: string | undefined;
    if (typed !== undefined) {
      const checked = checkText(typed, server.limits.maxTextLength);
      if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'message', max: server.limits.maxTextLength }) : undefined);
      message = checked.text;
    }
    const moderation = server.moderation;
    if (seconds === 0) {
      return { reply: result('Shutting down', { lines: ['The server is shutting down now.'] }), detail: 'now', afterReply: () => moderation.shutdownNow(message) };
    }
    const replaced = moderation.pendingShutdown !== undefined;
    const lines = [`The server shuts down in ${formatDuration(seconds * 1000)}; everyone sees the countdown. "cancel-shutdown" stops it.`];
    if (replaced) lines.push('This replaces the shutdown that was already scheduled.');
    // Scheduled once the reply is out, so the root reads the confirmation before the first notice.
    return { reply: result('Shutdown scheduled', { lines }), detail: `in ${seconds}s`, afterReply: () => moderation.scheduleShutdown(seconds, message, session.name) };
  },
});
