import { formatDuration } from '../../moderation/durations.js';
import { rootCommand } from '../table.js';
import { formatTime, result, usageError } from './format.js';

const usage = 'list-conn [-ip | -u]';

export const listConnCommand = rootCommand({
  name: 'list-conn',
  usage,
  help: 'Every session: name, address, since, idle (-ip, -u: narrower).',
  maxParams: 1,
  run({ ctx, params }) {
    const mode = params[0];
    if (mode !== undefined && mode !== '-ip' && mode !== '-u') throw usageError(usage, `Unknown option "${mode}".`);
    const now = ctx.clock.now();
    const all = [...ctx.roster.members()].sort((a, b) => a.session.connectedAt - b.session.connectedAt);
    const users = all.filter((m) => m.role === 'user').length;
    const summary = `${users} user${users === 1 ? '' : 's'} and ${all.length - users} root session${all.length - users === 1 ? '' : 's'} connected.`;
    // One reply must fit a frame (issue 11): the longest-connected rows, and a line saying so.
    const max = ctx.limits.connectionsShown;
    const capped = (count: number, what: string): string[] => (count > max ? [summary, `Showing the ${max} ${what} connected longest of ${count}.`] : [summary]);
    const members = all.slice(0, max);
    if (mode === '-u') return result('Connected names', { lines: capped(all.length, 'sessions'), columns: ['name', 'role'], rows: members.map((m) => [m.name, m.role]) });
    if (mode === '-ip') {
      const counts = new Map<string, number>();
      for (const m of all) counts.set(m.session.address, (counts.get(m.session.address) ?? 0) + 1);
      return result('Connected addresses', { lines: capped(counts.size, 'addresses'), columns: ['address', 'sessions'], rows: [...counts].slice(0, max).map(([address, n]) => [address, String(n)]) });
    }
    return result('Connections', {
      lines: capped(all.length, 'sessions'),
      columns: ['name', 'role', 'address', 'connected since', 'idle'],
      rows: members.map((m) => [m.name, m.role, m.session.address, formatTime(m.session.connectedAt), formatDuration(now - m.session.lastActiveAt)]),
    });
  },
});
