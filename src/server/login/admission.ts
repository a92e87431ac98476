// Who may log in, once the passkey proof is good: bans and a pending shutdown, the package the
// login came with (a revoked one is refused), lockdown, then the name and the capacity checks.
import type { ErrorCode } from '../../common/errors.js';
import type { ServerLimits } from '../../common/settings.js';
import type { PackageRegistry } from '../../data-dir/packages.js';
import { checkName } from '../../protocol/names.js';
import { PACKAGE_ID_PATTERN } from '../../protocol/sealed-file.js';
import type { Lockdown } from '../abuse/lockdown.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Moderation, Refusal } from '../moderation/moderation.js';
import type { Roster } from '../roster.js';
import type { Member, Role } from '../session/member.js';

export interface PackageVerdict {
  /** Set when the login must be refused. */
  refusal?: 'PACKAGE_REVOKED';
  /** The id to remember for the session (only well-formed ids). */
  id?: string;
  /** How the log names the package: the id, "<id> (unknown)" or "malformed". */
  logLabel?: string;
}

/**
 * What a presented package id means for a login that already proved the passkey. Unknown ids
 * are accepted (packages issued from another copy of the data dir, a restored backup) but
 * logged so the admin can notice; revoked ids are refused.
 */
export function packageVerdict(registry: PackageRegistry, packageId: string | undefined): PackageVerdict {
  if (packageId === undefined) return {};
  if (!PACKAGE_ID_PATTERN.test(packageId)) return { logLabel: 'malformed' };
  const status = registry.status(packageId);
  if (status === 'revoked') return { refusal: 'PACKAGE_REVOKED', id: packageId, logLabel: packageId };
  return { id: packageId, logLabel: status === 'unknown' ? `${packageId} (unknown)` : packageId };
}

export class Admission {
  constructor(
    private readonly moderation: Moderation,
    private readonly packages: PackageRegistry,
    private readonly lockdown: Lockdown,
    private readonly accounts: Accounts,
    private readonly roster: Roster,
    private readonly limits: Pick<ServerLimits, 'maxClients' | 'maxSessionsPerAddress' | 'maxSessionsPerAccount'>,
  ) {}

  /** Before the proof is checked: an address banned or blocked meanwhile learns nothing more. */
  addressRefusal(address: string): Refusal | undefined {
    return this.moderation.addressRefusal(address);
  }

  /** Bans on the address or name, and a pending shutdown (users only). */
  barred(name: string, role: Role, address: string): Refusal | undefined {
    return this.moderation.loginRefusal(name, role, address);
  }

  package(packageId: string | undefined): PackageVerdict {
    return packageVerdict(this.packages, packageId);
  }

  /** Under lockdown, only registered names and issued, unrevoked packages get in (users only). */
  lockedOut(name: string, role: Role, packageId: string | undefined): boolean {
    return role === 'user' && this.lockdown.on && !this.lockdownAdmits(name, packageId);
  }

  /**
   * The name and capacity checks for a user: the name's rules, nobody online with it (or with a
   * name that looks like it), not a look-alike of someone else's registered name, room on the
   * server, for the address and for the package. Some of these a person answers with another name.
   */
  nameOrCapacity(name: string, role: Role, address: string, packageId?: string): ErrorCode | undefined {
    if (role !== 'user') return undefined;
    const nameProblem = checkName(name);
    if (nameProblem) return nameProblem;
    if (this.roster.named(name)) return 'NAME_TAKEN';
    // Confusable names (UTS #39): "aIice" is taken while "alice" is online, and never given to a
    // guest while "alice" is registered. A registered name always gets in (look-alike pairs
    // registered before this check existed keep working).
    const registered = this.accounts.isRegistered(name);
    if (!registered && this.roster.lookAlike(name)) return 'NAME_TAKEN';
    if (!registered && this.accounts.lookAlikeOf(name) !== undefined) return 'NAME_REGISTERED';
    if (this.roster.userCount >= this.limits.maxClients) return 'SERVER_FULL';
    if (this.roster.usersFrom(address) >= this.limits.maxSessionsPerAddress) return 'TOO_MANY_FROM_ADDRESS';
    // One friend's program, from however many addresses, cannot take every seat.
    if (packageId !== undefined && this.roster.usersOfPackage(packageId) >= this.limits.maxSessionsPerAccount) return 'TOO_MANY_SESSIONS';
    return undefined;
  }

  /** Users online now whom lockdown would not admit (unregistered, no issued package). */
  lockdownOutsiders(): Member[] {
    return this.roster.userMembers().filter((m) => !this.lockdownAdmits(m.name, m.packageId));
  }

  private lockdownAdmits(name: string, packageId: string | undefined): boolean {
    return this.lockdown.admits({ registered: this.accounts.isRegistered(name), issuedPackage: packageId !== undefined && this.packages.status(packageId) === 'active' });
  }
}
