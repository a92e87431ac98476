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
    const members = [...ctx.roster.members()].sort((a, b) => a.session.connectedAt - b.session.connectedAt);
    const users = members.filter((m) => m.role === 'user').length;
    const summary = `${users} user${users === 1 ? '' : 's'} and ${members.length - users} root session${members.length - users === 1 ? '' : 's'} connected.`;
    if (mode === '-u') return result('Connected names', { lines: [summary], columns: ['name', 'role'], rows: members.map((m) => [m.name, m.role]) });
    if (mode === '-ip') {
      const counts = new Map<string, number>();
      for (const m of members) counts.set(m.session.address, (counts.get(m.session.address) ?? 0) + 1);
      return result('Connected addresses', { lines: [summary], columns: ['address', 'sessions'], rows: [...counts].map(([address, n]) => [address, String(n)]) });
    }
    return result('Connections', {
      lines: [summary],
      columns: ['name', 'role', 'address', 'connected since', 'idle'],
      rows: members.map((m) => [m.name, m.role, m.session.address, formatTime(m.session.connectedAt), formatDuration(now - m.session.lastActiveAt)]),
    });
  },
});
