// What a reload (SIGHUP) may change in a running server, and what only a restart can. The live
// settings are read where they are enforced, on every use, so changing them in place is enough:
// the limits object every service shares, the connection guard's options and the failed-login
// policy. Rates given to each session at login (messageRatePerSecond, ...) hold for new logins.
import type { ServerLimits, ServerSettings, SettingValue } from '../common/settings.js';

/** Settings that are also limits (ServerLimits): changed in the shared limits object. */
export const LIVE_LIMITS = [
  'maxClients',
  'maxSessionsPerAddress',
  'maxPresenceAnnounced',
  'maxRoomsPerUser',
  'maxRoomsOwnedPerUser',
  'maxSessionsPerAccount',
  'messageRatePerSecond',
  'messageBurst',
  'commandRatePerSecond',
  'commandBurst',
  'floodMaxRejections',
  'floodWindowMs',
] as const satisfies readonly (keyof ServerSettings & keyof ServerLimits)[];

/** Other settings a reload applies: the guard, the failed-login policy, the log level. */
export const LIVE_OTHERS = ['maxUnauthenticated', 'authFailureLimit', 'authFailureWindowMs', 'authBlockMs', 'authBlockMaxMs', 'logLevel'] as const satisfies readonly (keyof ServerSettings)[];

const LIVE: ReadonlySet<string> = new Set<string>([...LIVE_LIMITS, ...LIVE_OTHERS]);

export interface SettingChange {
  key: keyof ServerSettings;
  from: SettingValue;
  to: SettingValue;
}

/** A reload's outcome: what changed now, what waits for a restart, and the lockdown the file asked for. */
export interface ReloadReport {
  applied: SettingChange[];
  needRestart: SettingChange[];
  /** 'on' / 'off' when the config file's lockdown value changed and was applied. */
  lockdown?: 'on' | 'off';
}

/** Split the differences between the running settings and the new ones into live and restart-only. */
export function planReload(current: ServerSettings, next: ServerSettings): { live: SettingChange[]; restart: SettingChange[] } {
  const live: SettingChange[] = [];
  const restart: SettingChange[] = [];
  for (const key of Object.keys(next) as (keyof ServerSettings)[]) {
    const from = current[key];
    const to = next[key];
    if (from === to) continue;
    (LIVE.has(key) ? live : restart).push({ key, from, to });
  }
  return { live, restart };
}

/** "maxClients 25 -> 50, logLevel info -> debug" for the log. */
export function describeChanges(changes: readonly SettingChange[]): string {
  return changes.map((change) => `${change.key} ${String(change.from)} -> ${String(change.to)}`).join(', ');
}
