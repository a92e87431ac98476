import { formatDuration } from '../../moderation/durations.js';
import { formatTime, noMoreThan, result, rootCommand, usageError } from './define.js';

const usage = 'list-conn [-ip | -u]';

export const listConnCommand = rootCommand({
  name: 'list-conn',
  usage,
  help: 'Every session: name, address, since, idle (-ip, -u: narrower).',
  minParams: 0,
  run({ server, params }) {
    noMoreThan(params, 1, usage);
    const mode = params[0];
    if (mode !== undefined && mode !== '-ip' && mode !== '-u') throw usageError(usage, `Unknown option "${mode}".`);
    const now = server.now();
    const sessions = server.activeSessions().sort((a, b) => a.connectedAt - b.connectedAt);
    const users = sessions.filter((s) => s.role === 'user').length;
    const summary = `${users} user${users === 1 ? '' : 's'} and ${sessions.length - users} root session${sessions.length - users === 1 ? '' : 's'} connected.`;
    if (mode === '-u') return { reply: result('Connected names', { lines: [summary], columns: ['name', 'role'], rows: sessions.map((s) => [s.name, s.role]) }) };
    if (mode === '-ip') {
      const counts = new Map<string, number>();
      for (const s of sessions) counts.set(s.address, (counts.get(s.address) ?? 0) + 1);
      return { reply: result('Connected addresses', { lines: [summary], columns: ['address', 'sessions'], rows: [...counts].map(([address, n]) => [address, String(n)]) }) };
    }
    return {
      reply: result('Connections', {
        lines: [summary],
        columns: ['name', 'role', 'address', 'connected since', 'idle'],
        rows: sessions.map((s) => [s.name, s.role, s.address, formatTime(s.connectedAt), formatDuration(now - s.lastActiveAt)]),
      }),
    };
  },
});
