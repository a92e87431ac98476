import { ErrorCodes } from '../../../common/errors.js';
import { checkName } from '../../../protocol/names.js';
import { parseIpRange, rangeContains } from '../../abuse/ip-range.js';
import { MAX_DURATION_MS, formatDuration, parseDuration } from '../../moderation/durations.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { formatTime, listed, result, usageError } from './format.js';

const usage = 'ban -u <name> | -ip <ip or CIDR> [duration]';

function parseBanDuration(text: string | undefined): number | undefined {
  if (text === undefined || text.toLowerCase() === 'permanent') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new CommandError('INVALID_DURATION', `"${text}" is not a duration: use a number and s, m, h, d or w (e.g. 10m, 2h, 7d) up to ${formatDuration(MAX_DURATION_MS)}, or leave it out for a permanent ban.`);
  return ms;
}

export const banCommand = rootCommand({
  name: 'ban',
  usage,
  help: 'Kick and refuse until it ends (10m, 2h, 7d; none = permanent).',
  minParams: 2,
  maxParams: 3,
  run({ ctx, member, params }) {
    const [option, target = '', durationText] = params;
    const durationMs = parseBanDuration(durationText);
    const moderation = ctx.moderation;
    let outcome;
    if (option === '-u') {
      const problem = checkName(target);
      if (problem === 'NAME_INVALID') throw new CommandError('NAME_INVALID', `"${target}" is not a possible user name. ${ErrorCodes.NAME_INVALID.message}`);
      outcome = moderation.banName(target, durationMs, member.name);
    } else if (option === '-ip') {
      const range = parseIpRange(target);
      if (!range) throw new CommandError('INVALID_ADDRESS', `"${target}" is not a valid IP address or CIDR range (e.g. 203.0.113.7, 198.51.100.0/24, 2001:db8::/32).`);
      // A ban that covers this console's own address would lock its admin out for good.
      if (rangeContains(range, member.session.address)) throw new CommandError('INVALID_ARGUMENT', `${range.text} includes your own address (${member.session.address}); banning it would lock you out.`);
      outcome = moderation.banAddress(range, durationMs, member.name);
    } else {
      throw usageError(usage, `Unknown option "${option ?? ''}".`);
    }
    const { ban, removed } = outcome;
    // Whoever is banned knows the invite codes of their private rooms: those get new ones.
    const names = new Set(option === '-u' ? [target, ...removed.map((m) => m.name)] : removed.map((m) => m.name));
    const rotated = [...names].flatMap((name) => ctx.rooms.rotateInvitesOf(name));
    const until = ban.expiresAt === null ? 'permanently' : `until ${formatTime(ban.expiresAt)} (${formatDuration(ban.expiresAt - ban.createdAt)})`;
    const lines = [`Banned ${ban.kind === 'name' ? `the name ${ban.target}` : ban.target} ${until}.`];
    lines.push(removed.length === 0 ? 'Nobody affected was connected.' : `Disconnected ${listed(removed.map((m) => `${m.name} (${m.session.address})`))}.`);
    if (rotated.length > 0) lines.push(`New invite codes for ${rotated.length} invite-only room${rotated.length === 1 ? '' : 's'} they were in: ${listed(rotated.map((room) => room.name))} (members see them with /invite).`);
    return { reply: result('Banned', { lines }), detail: `${ban.expiresAt === null ? 'permanent' : `expires ${new Date(ban.expiresAt).toISOString()}`}; disconnected ${removed.length}` };
  },
});
