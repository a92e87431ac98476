import { errorText } from '../../../common/errors.js';
import { checkText } from '../../../protocol/text.js';
import { formatDuration } from '../../moderation/durations.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { messageLength, result, usageError } from './format.js';

const usage = 'close-server [-t <seconds>] [-m "message"]';

/** Parse "-t 30 -m text" in either order. */
function parseOptions(params: readonly string[], maxSeconds: number): { seconds: number; message: string | undefined } {
  let seconds: number | undefined;
  let message: string | undefined;
  for (let i = 0; i < params.length; i += 2) {
    const option = params[i];
    const value = params[i + 1];
    if (option === '-t' && seconds === undefined) {
      if (value === undefined || !/^\d{1,6}$/.test(value) || Number(value) > maxSeconds) {
        throw new CommandError('INVALID_ARGUMENT', `-t takes a whole number of seconds from 0 to ${maxSeconds}. Usage: ${usage}`);
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
  maxParams: 4,
  maxArgsLength: (limits) => 2 * limits.maxTextLength + 64,
  // The message is for people: the trail keeps its length, not its words.
  audit: (params) => params.map((word, i) => (params[i - 1] === '-m' ? messageLength(word) : word)),
  run({ ctx, member, params }) {
    const { seconds, message: typed } = parseOptions(params, ctx.limits.maxShutdownDelaySeconds);
    let message: string | undefined;
    if (typed !== undefined) {
      const max = ctx.limits.maxTextLength;
      const checked = checkText(typed, max);
      if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'message', max }) : undefined);
      message = checked.text;
    }
    const shutdown = ctx.shutdown;
    if (seconds === 0) {
      return { reply: result('Shutting down', { lines: ['The server is shutting down now.'] }), detail: 'now', afterReply: () => shutdown.now(message) };
    }
    const replaced = shutdown.pending !== undefined;
    const lines = [`The server shuts down in ${formatDuration(seconds * 1000)}; everyone sees the countdown. "cancel-shutdown" stops it.`];
    if (replaced) lines.push('This replaces the shutdown that was already scheduled.');
    // Scheduled once the reply is out, so the root reads the confirmation before the first notice.
    return { reply: result('Shutdown scheduled', { lines }), detail: `in ${seconds}s`, afterReply: () => void shutdown.schedule(seconds, message, member.name) };
  },
});
