import { config } from '../../../../config.js';
import { CommandError } from '../types.js';
import { noMoreThan, result, rootCommand } from './define.js';

const usage = `requests [n]   (1 to ${config.admin.requestsMax}, default ${config.admin.requestsDefault})`;

export const requestsCommand = rootCommand({
  name: 'requests',
  usage: 'requests [n]',
  help: `The last n requests users filed with /request (default ${config.admin.requestsDefault}).`,
  minParams: 0,
  async run({ server, params }) {
    noMoreThan(params, 1, usage);
    const typed = params[0];
    const count = typed === undefined ? config.admin.requestsDefault : Number(typed);
    if (typed !== undefined && (!/^\d{1,7}$/.test(typed) || count < 1 || count > config.admin.requestsMax)) {
      throw new CommandError('INVALID_ARGUMENT', `n must be a whole number from 1 to ${config.admin.requestsMax}. Usage: ${usage}`);
    }
    let lines: string[];
    try {
      lines = await server.requests.tail(count);
    } catch (error) {
      server.reportStorageFailure('requests', error);
      throw new CommandError('STORAGE_FAILED', 'The request file could not be read.');
    }
    // Keep the reply well inside a frame: newest lines win.
    let budget = config.admin.requestsMaxBytes;
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
