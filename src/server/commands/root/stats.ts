import { LoginBlocks } from '../../abuse/login-blocks.js';
import type { Ban } from '../../moderation/bans.js';
import { formatDuration } from '../../moderation/durations.js';
import type { CommandContext } from '../context.js';
import { rootCommand } from '../table.js';
import { formatTime, result } from './format.js';
import { loginLines } from './login-stats.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The first `shown` blocked addresses, and how many more (`bans` lists them all): 65,536 blocks must not make a line of megabytes. */
function blockedList(blocked: readonly Ban[], now: number, shown: number): string {
  const named = blocked.slice(0, shown).map((ban) => `${ban.target} (${ban.expiresAt === null ? 'permanent' : formatDuration(ban.expiresAt - now) + ' left'})`);
  const more = blocked.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more ("bans" lists them)` : named.join(', ');
}

/** Today's stored chat against the server's daily budget. */
function storedToday(ctx: CommandContext): string {
  const budget = ctx.quotas.allowances;
  const used = ctx.quotas.usedToday('history');
  const perDay = budget.historyBytesPerServer > 0 ? ` of ${bytes(budget.historyBytesPerServer)} a day` : ' (no daily budget)';
  const perUser = budget.historyBytesPerUser > 0 ? `; ${bytes(budget.historyBytesPerUser)} per person, ${bytes(budget.historyBytesPerRoom)} per room` : '';
  return `Chat stored today (UTC): ${bytes(used)}${perDay}${perUser}`;
}

/** Lockdown, blocks and refusals: what abuse resistance is doing right now and since start. */
function abuseLines(ctx: CommandContext): string[] {
  const lockdown = ctx.lockdown.current;
  const abuse = ctx.abuse.summary();
  const now = ctx.clock.now();
  const blocked = ctx.moderation.bans.list().filter((ban) => LoginBlocks.isAutoBlock(ban));
  const limits = abuse.limits;
  return [
    `Lockdown: ${lockdown.on ? `ON since ${formatTime(lockdown.since)} (by ${lockdown.by}): registered users and issued packages only` : 'off'}`,
    `Blocked for failed logins: ${blocked.length === 0 ? 'no address' : blockedList(blocked, now, ctx.limits.blockedShown)}; ${abuse.blocksSinceStart} block${abuse.blocksSinceStart === 1 ? '' : 's'} since start (${limits.authFailureLimit} failures within ${formatDuration(limits.authFailureWindowMs)})`,
    `Refused before TLS since start: ${abuse.refusedForRate} over ${limits.connectionsPerMinute}/min per address, ${abuse.refusedOverUnauthenticatedCap} over the cap of ${limits.maxUnauthenticated} not logged in (now ${abuse.unauthenticatedNow})`,
    `Pre-login slots: ${abuse.unauthenticatedNow} of ${limits.maxUnauthenticated} in use, ${abuse.strangersNow} by strangers (${limits.reservedUnauthenticated} kept for addresses that logged in recently); since start ${abuse.refusedPerAddress} refused over ${limits.maxUnauthenticatedPerAddress} per address, ${abuse.evictedStrangers} strangers closed to make room, ${abuse.refusedBanned} from banned addresses cut before TLS`,
    `Rate-limited since start: ${abuse.rateLimited} request${abuse.rateLimited === 1 ? '' : 's'} (chat: burst ${limits.messageBurst}, then ${limits.messageRatePerSecond}/s); ${abuse.disconnectedForFlooding} session${abuse.disconnectedForFlooding === 1 ? '' : 's'} disconnected for flooding`,
    `Storage failures since start: ${abuse.storageFailures}`,
    ctx.disk.describe(),
    storedToday(ctx),
  ];
}

/** Direct messages: counts and sizes only — the server cannot read them, and root sees no names. */
function directLine(ctx: CommandContext): string {
  const d = ctx.direct.counts();
  return `Direct messages: ${d.relayed} relayed since start; ${d.messages} waiting for a device (${bytes(d.bytes)}); ${d.devices} device${d.devices === 1 ? '' : 's'} registered, ${d.devicesOnline} online`;
}

export const statsCommand = rootCommand({
  name: 'stats',
  usage: 'stats',
  help: 'Server state and per-address statistics.',
  run({ ctx }) {
    const s = ctx.stats.snapshot();
    const pending = ctx.shutdown.pending;
    const lines = [
      `Uptime: ${formatDuration(s.uptimeSeconds * 1000)} (started ${formatTime(Date.parse(s.startedAt))})`,
      `Sessions now: ${s.sessionsNow} ${s.sessionsNow === 1 ? 'user' : 'users'}, ${s.rootSessionsNow} root`,
      `Peak sessions: ${s.peakSessions}${s.peakAt ? ` (at ${formatTime(Date.parse(s.peakAt))})` : ''}`,
      `Total visits: ${s.totalVisits}`,
      `Messages relayed: ${s.messagesRelayed}`,
      directLine(ctx),
      `Bytes in / out: ${bytes(s.bytesIn)} / ${bytes(s.bytesOut)}`,
      `Counting since: ${formatTime(Date.parse(s.since))} (stats.json)`,
      `Shutdown: ${pending ? `scheduled in ${formatDuration(pending.endsAt - ctx.clock.now())} by ${pending.by}` : 'none scheduled'}`,
      ...abuseLines(ctx),
      ...loginLines(ctx),
      ...ctx.files.usageLines(),
    ];
    const shown = s.addresses.slice(0, ctx.limits.statsRowsShown);
    if (shown.length < s.addresses.length) lines.push(`Addresses: the ${shown.length} most recently seen of ${s.addresses.length} (all are in stats.json).`);
    return result('Statistics', {
      lines,
      columns: ['address', 'connections', 'failed auth', 'times banned', 'last seen'],
      rows: shown.map((a) => [a.address, String(a.connections), String(a.failedAuth), String(a.timesBanned), formatTime(Date.parse(a.lastSeen))]),
    });
  },
});
