// `party-pool admin bans | unban <ip|name> | revoke <package>` on a stopped server: the way back
// in for an admin whose own address was blocked after three wrong passwords, without a root
// console. Refused while the server runs (it keeps bans in memory and is the only writer then):
// the message says how to do the same live.
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { deleteBanRows, listBanRows, type BanRow } from '../data-dir/ban-rows.js';
import { PackageRegistry } from '../data-dir/packages.js';
import { runningServerPid } from '../data-dir/server-info.js';
import { DATABASE_FILE, Store } from '../data-dir/store.js';
import { parseIpRange } from '../protocol/ip-range.js';
import { nameKey } from '../protocol/names.js';

export const OFFLINE_ACTIONS = ['bans', 'unban', 'revoke'] as const;
export type OfflineAction = (typeof OFFLINE_ACTIONS)[number];

export function isOfflineAction(value: string): value is OfflineAction {
  return (OFFLINE_ACTIONS as readonly string[]).includes(value);
}

/** How to do each action on the running server instead. */
const LIVE_WAY: Record<OfflineAction, (target: string) => string> = {
  bans: () => 'open the root console (party-pool root) and type "bans"',
  unban: (target) => `open the root console (party-pool root) and type "unban ${target}"`,
  revoke: (target) => `open the root console (party-pool root) and type "revoke ${target}"`,
};

export type OfflineResult = { action: 'bans'; bans: BanRow[] } | { action: 'unban'; kind: 'name' | 'address'; target: string } | { action: 'revoke'; packageId: string; alreadyRevoked: boolean };

/** Open the stopped server's database, or explain why not. */
function openStopped(dataDir: string, action: OfflineAction, target: string): Store {
  const pid = runningServerPid(dataDir);
  if (pid !== undefined) {
    throw new PartyPoolError('SERVER_RUNNING', `The server is running from ${dataDir} (pid ${pid}); "admin ${action}" is for a stopped server. To do it live, ${LIVE_WAY[action](target)}.`);
  }
  if (!fs.existsSync(path.join(dataDir, DATABASE_FILE))) throw new PartyPoolError('SERVER_NOT_SET_UP', `${dataDir} has no server database; pass the server's --data-dir.`);
  return Store.open(dataDir);
}

/** Run one offline action on the data directory `dataDir`. */
export function runOfflineAction(dataDir: string, action: OfflineAction, target: string | undefined, now: Date = new Date()): OfflineResult {
  if (action !== 'bans' && (target === undefined || target.trim() === '')) {
    throw new PartyPoolError('USAGE', action === 'unban' ? 'Say what to unban: party-pool admin unban <ip, CIDR or name>.' : 'Say which package: party-pool admin revoke <package-id> ("admin bans" does not list packages; the root console\'s "packages" does).');
  }
  const typed = (target ?? '').trim();
  const store = openStopped(dataDir, action, typed);
  try {
    if (action === 'bans') return { action, bans: listBanRows(store.db, now.getTime()) };
    if (action === 'unban') {
      // As the root console's unban: anything that parses as an address or range is one, else a name.
      const range = parseIpRange(typed);
      const kind = range ? 'address' : 'name';
      const canonical = range ? range.text : nameKey(typed);
      if (!deleteBanRows(store.db, kind, [canonical, typed])) {
        throw new PartyPoolError('NOT_BANNED', `There is no ban on ${kind === 'name' ? 'the name ' : ''}${canonical}; "party-pool admin bans" lists them.`);
      }
      return { action, kind, target: canonical };
    }
    const packageId = typed.toLowerCase();
    const registry = new PackageRegistry(store);
    const before = registry.status(packageId);
    if (before === 'unknown') throw new PartyPoolError('PACKAGE_NOT_FOUND', `No package has the id "${packageId.slice(0, 40)}"; the root console's "packages" lists them.`);
    registry.revoke(packageId, now);
    return { action, packageId, alreadyRevoked: before === 'revoked' };
  } finally {
    store.close();
  }
}
