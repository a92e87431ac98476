// `lockdown on|off`: in an emergency (the passkey leaked), admit only registered users and issued,
// unrevoked packages until a root turns it off. Without an argument it shows the state.
import { isStorageError } from '../../../common/storage-errors.js';
import { formatDuration } from '../../moderation/durations.js';
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
      lines.push('Only registered users and issued, unrevoked packages can log in; everyone else is refused (LOCKDOWN). Root logins still work.');
      const outsiders = ctx.admission.lockdownOutsiders();
      if (outsiders.length > 0) lines.push(`Still connected and not admitted under lockdown: ${listed(outsiders.map((m) => `${m.name} (${m.session.address})`))}. "remove -u <name>" disconnects one.`);
    } else {
      lines.push(state.since > 0 ? `Lockdown is off (since ${formatTime(state.since)}, by ${state.by}).` : 'Lockdown is off.');
      lines.push('Anyone with the passkey can log in.');
    }
    return { reply: result('Lockdown', { lines }), detail: state.on ? 'on' : 'off' };
  },
});
