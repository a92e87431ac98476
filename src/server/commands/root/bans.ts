import { formatDuration } from '../../durations.js';
import { formatTime, noMoreThan, result, rootCommand } from './define.js';

export const bansCommand = rootCommand({
  name: 'bans',
  usage: 'bans',
  help: 'List the bans in force with their expiry.',
  minParams: 0,
  run({ server, params }) {
    noMoreThan(params, 0, 'bans');
    const now = server.now();
    const bans = server.moderation.bans.list();
    return {
      reply: result('Bans', {
        lines: [bans.length === 0 ? 'No bans.' : `${bans.length} ban${bans.length === 1 ? '' : 's'} in force.`],
        columns: ['kind', 'target', 'by', 'since', 'expires', 'left'],
        rows: bans.map((b) => [b.kind, b.target, b.createdBy, formatTime(b.createdAt), b.expiresAt === null ? 'never' : formatTime(b.expiresAt), b.expiresAt === null ? 'permanent' : formatDuration(b.expiresAt - now)]),
      }),
    };
  },
});
