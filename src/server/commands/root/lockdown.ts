// `lockdown on|off`: in an emergency (the passkey leaked), admit only registered users (proving
// their password) and issued, unrevoked packages (proving their package key) until a root turns
// it off. Without an argument it shows the state, and who is connected that it would not admit.
import { isStorageError } from '../../../common/storage-errors.js';
import { formatDuration } from '../../moderation/durations.js';
import type { Member } from '../../session/member.js';
import { rootCommand } from '../table.js';
import { formatTime, listed, result, usageError } from './format.js';

const usage = 'lockdown [on|off]';

export const lockdownCommand = rootCommand({
  name: 'lockdown',
  usage,
  help: 'Admit only registered users and issued packages (on), everyone again (off), or show which.',
  maxParams: 1,
  run({ ctx, member, params }) {
    const word = params[0]?.toLowerCase();
    if (word !== undefined && word !== 'on' && word !== 'off') throw usageError(usage, `"${params[0] ?? ''}" is neither on nor off.`);
    const lockdown = ctx.lockdown;
    const lines: string[] = [];
    if (word !== undefined) {
      const on = word === 'on';
      if (lockdown.on === on) lines.push(`Lockdown was already ${word}.`);
      else {
        try {
          lockdown.set(on, member.name, ctx.clock.now());
        } catch (error) {
          if (!isStorageError(error)) throw error;
          // The emergency matters more than the record: it holds now, and the root is told it will not survive a restart.
          ctx.alarm.report('lockdown', error);
          lines.push('Warning: the setting could not be saved (a storage problem); it holds until the server restarts.');
        }
        ctx.logger.warn(on ? 'lockdown on' : 'lockdown off', { by: member.name });
      }
    }
    const state = lockdown.current;
    if (state.on) {
      lines.push(`Lockdown is ON (since ${formatTime(state.since)}, ${formatDuration(ctx.clock.now() - state.since)} ago, by ${state.by}).`);
      lines.push('Only registered users who prove their password and issued, unrevoked client packages that prove their package key can log in; everyone else is refused (LOCKDOWN). Root logins still work. Registration is closed.');
      const outsiders = ctx.admission.lockdownOutsiders();
      if (outsiders.length > 0) {
        lines.push(`Still connected and not admitted under lockdown (${outsiders.length}): ${listed(outsiders.map((m) => `${m.name} (connection ${m.session.id}, ${m.session.address}, ${howLoggedIn(m, ctx.accounts.isRegistered(m.name))})`))}. "remove -u <name>" disconnects one.`);
      } else lines.push('Everyone connected now would be admitted.');
    } else {
      lines.push(state.since > 0 ? `Lockdown is off (since ${formatTime(state.since)}, by ${state.by}).` : 'Lockdown is off.');
      lines.push('Anyone with the passkey can log in.');
    }
    return { reply: result('Lockdown', { lines }), detail: state.on ? 'on' : 'off' };
  },
});

/** How a session that lockdown would not admit now got in. */
function howLoggedIn(member: Member, registeredSince: boolean): string {
  switch (member.admittedBy) {
    case 'guest': {
      const how = member.packageLogLabel ? `guest, package ${member.packageLogLabel} not proven` : 'guest';
      // Kicking is not enough for one who registered the name meanwhile: delete-user too.
      return registeredSince ? `${how}, registered the name since` : how;
    }
    case 'account':
      return 'account since deleted';
    case 'package':
      return 'package since revoked';
    case 'root':
      return 'root';
  }
}
