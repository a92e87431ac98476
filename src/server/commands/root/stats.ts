import { config } from '../../../../config.js';
import { formatDuration } from '../../durations.js';
import { formatTime, noMoreThan, result, rootCommand } from './define.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export const statsCommand = rootCommand({
  name: 'stats',
  usage: 'stats',
  help: 'Server state and per-address statistics.',
  minParams: 0,
  run({ server, params }) {
    noMoreThan(params, 0, 'stats');
    const moderation = server.moderation;
    const s = moderation.stats.snapshot(moderation.liveSessions());
    const pending = moderation.pendingShutdown;
    const lines = [
      `Uptime: ${formatDuration(s.uptimeSeconds * 1000)} (started ${formatTime(Date.parse(s.startedAt))})`,
      `Sessions now: ${s.sessionsNow} ${s.sessionsNow === 1 ? 'user' : 'users'}, ${s.rootSessionsNow} root`,
      `Peak sessions: ${s.peakSessions}${s.peakAt ? ` (at ${formatTime(Date.parse(s.peakAt))})` : ''}`,
      `Total visits: ${s.totalVisits}`,
      `Messages relayed: ${s.messagesRelayed}`,
      `Bytes in / out: ${bytes(s.bytesIn)} / ${bytes(s.bytesOut)}`,
      `Counting since: ${formatTime(Date.parse(s.since))} (stats.json)`,
      `Shutdown: ${pending ? `scheduled in ${formatDuration(pending.endsAt - server.now())} by ${pending.by}` : 'none scheduled'}`,
    ];
    const shown = s.addresses.slice(0, config.admin.statsRowsShown);
    if (shown.length < s.addresses.length) lines.push(`Addresses: the ${shown.length} most recently seen of ${s.addresses.length} (all are in stats.json).`);
    return {
      reply: result('Statistics', {
        lines,
        columns: ['address', 'connections', 'failed auth', 'times banned', 'last seen'],
        rows: shown.map((a) => [a.address, String(a.connections), String(a.failedAuth), String(a.timesBanned), formatTime(Date.parse(a.lastSeen))]),
      }),
    };
  },
});
