import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { result } from './format.js';

export const requestsCommand = rootCommand({
  name: 'requests',
  usage: 'requests [n]',
  help: (limits) => `The last n requests users filed with /request (default ${limits.requestsDefault}).`,
  maxParams: 1,
  async run({ ctx, params }) {
    const { requestsDefault, requestsMax, requestsMaxBytes } = ctx.limits;
    const typed = params[0];
    const count = typed === undefined ? requestsDefault : Number(typed);
    if (typed !== undefined && (!/^\d{1,7}$/.test(typed) || count < 1 || count > requestsMax)) {
      throw new CommandError('INVALID_ARGUMENT', `n must be a whole number from 1 to ${requestsMax}. Usage: requests [n]   (1 to ${requestsMax}, default ${requestsDefault})`);
    }
    let lines: string[];
    try {
      lines = await ctx.requests.tail(count);
    } catch (error) {
      ctx.alarm.report('requests', error);
      throw new CommandError('STORAGE_FAILED', 'The request file could not be read.');
    }
    // Keep the reply well inside a frame: newest lines win.
    let budget = requestsMaxBytes;
    let keep = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      budget -= Buffer.byteLength(lines[i] ?? '') + 8;
      if (budget < 0) break;
      keep++;
    }
    const shown = lines.slice(lines.length - keep);
    const left = lines.length - shown.length;
    const header = shown.length === 0 ? 'No requests yet.' : `${shown.length} most recent, newest last${left > 0 ? ` (${left} older left out to keep the reply small)` : ''}:`;
    return { reply: result('Requests', { lines: [header, ...shown] }), detail: `${shown.length} shown` };
  },
});
