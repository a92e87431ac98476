// The login lines of `stats` (issue 11): distributed guessing, targets under delay, the login work.
import { describeTarget } from '../../abuse/login-targets.js';
import { formatDuration } from '../../moderation/durations.js';
import type { CommandContext } from '../context.js';
import { formatTime } from './format.js';

/** At most this many delayed targets are named (the rest are counted). */
const TARGETS_SHOWN = 20;

export function loginLines(ctx: CommandContext): string[] {
  const now = ctx.clock.now();
  const guessing = ctx.loginFailures.guessing.state();
  const limits = ctx.limits.login;
  const window = formatDuration(limits.guessingWindowMs);
  const guessingLine = guessing.active
    ? `Distributed guessing: ACTIVE since ${formatTime(guessing.since)} (${guessing.failuresInWindow} failed logins from ${guessing.addressesInWindow} addresses in the last ${window}); logins from unknown addresses slowed to one per ${formatDuration(limits.guessingIntervalMs)}, ${guessing.slowed} slowed since start`
    : `Distributed guessing: none now (${guessing.failuresInWindow} failed logins from ${guessing.addressesInWindow} addresses in the last ${window}; alarm at ${limits.guessingFailures} from ${limits.guessingAddresses}); ${guessing.episodes} episode${guessing.episodes === 1 ? '' : 's'} and ${guessing.slowed} logins slowed since start`;
  const delayed = ctx.loginFailures.targets.delayed();
  const shown = delayed.slice(0, TARGETS_SHOWN).map((d) => `${describeTarget(d.target)} (${d.failures} failures, next try ${d.nextAttemptAt <= now ? 'now' : `in ${formatDuration(d.nextAttemptAt - now)}`})`);
  const more = delayed.length > shown.length ? ` and ${delayed.length - shown.length} more` : '';
  const targetsLine = `Logins delayed after failures: ${shown.length === 0 ? 'none' : shown.join(', ') + more}${shown.length === 0 ? '' : ' ("clear-delay" lifts one)'}`;
  const work = ctx.loginWork;
  const workLine = `Password exchanges in progress: ${work.inProgress} (at most ${limits.maxExchanges}, ${limits.maxExchangesPerAddress} per address); ${work.busy} refused as BUSY since start`;
  return [guessingLine, targetsLine, workLine];
}
