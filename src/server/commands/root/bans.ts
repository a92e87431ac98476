import { formatDuration } from '../../moderation/durations.js';
import { rootCommand } from '../table.js';
import { formatTime, result } from './format.js';

export const bansCommand = rootCommand({
  name: 'bans',
  usage: 'bans',
  help: 'List the bans in force with their expiry.',
  run({ ctx }) {
    const now = ctx.clock.now();
    const bans = ctx.moderation.bans.list();
    const shown = bans.slice(0, ctx.limits.bansShown);
    const lines = [bans.length === 0 ? 'No bans.' : `${bans.length} ban${bans.length === 1 ? '' : 's'} in force.`];
    if (shown.length < bans.length) lines.push(`Showing the first ${shown.length} (permanent first, then by expiry).`);
    return result('Bans', {
      lines,
      columns: ['kind', 'target', 'by', 'since', 'expires', 'left'],
      rows: shown.map((b) => [b.kind, b.target, b.createdBy, formatTime(b.createdAt), b.expiresAt === null ? 'never' : formatTime(b.expiresAt), b.expiresAt === null ? 'permanent' : formatDuration(b.expiresAt - now)]),
    });
  },
});
