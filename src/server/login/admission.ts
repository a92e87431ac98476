// Who may log in, once the passkey proof is good: bans and a pending shutdown, the package the
// login came with (a revoked one is refused, a bad package proof fails), lockdown, then the name
// and the capacity checks.
import type { ErrorCode } from '../../common/errors.js';
import type { ServerLimits } from '../../common/settings.js';
import { verifyPackageProof } from '../../crypto/package-key.js';
import type { PackageRegistry } from '../../data-dir/packages.js';
import { checkName } from '../../protocol/names.js';
import { PACKAGE_ID_PATTERN } from '../../protocol/sealed-file.js';
import type { Lockdown } from '../abuse/lockdown.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Moderation, Refusal } from '../moderation/moderation.js';
import type { Roster } from '../roster.js';
import type { Member, Role } from '../session/member.js';

export interface PackageVerdict {
  /** Set when the login must be refused (after the passkey proof: strangers learn nothing). */
  refusal?: 'PACKAGE_REVOKED' | 'AUTH_FAILED';
  /** The id to remember for the session (revoking it ends the session): proven, or from before package keys. */
  id?: string;
  /** How the log names the package: the id, "<id> (unknown)", "<id> (no key)", "<id> (unproven)", "<id> (bad proof)" or "malformed". */
  logLabel?: string;
  /** The login proved the package's key, and the package's kind fits the role. */
  verified?: boolean;
}

/** What a login says about its package, and what the proof is over. */
export interface PackageClaim {
  packageId?: string | undefined;
  packageProof?: string | undefined;
  role: Role;
  name: string;
  nonce: Buffer;
  channelBinding: Buffer;
}

/**
 * What a presented package means for a login. Unknown ids are accepted (packages issued from
 * another copy of the data dir, a restored backup) but logged; revoked ids are refused. A
 * package issued with a key must prove it (an Ed25519 signature over this login: nonce, names,
 * TLS channel); a root package's proof is good only for a root login and a client package's only
 * for a user login, so one never stands in for the other. A package from before package keys,
 * or one that names an id without the proof, is remembered or logged but proves nothing.
 */
export function packageVerdict(registry: PackageRegistry, claim: PackageClaim): PackageVerdict {
  const id = claim.packageId;
  if (id === undefined) return {};
  if (!PACKAGE_ID_PATTERN.test(id)) return { logLabel: 'malformed' };
  const credential = registry.credential(id);
  if (!credential) return { id, logLabel: `${id} (unknown)` };
  if (credential.status === 'revoked') return { refusal: 'PACKAGE_REVOKED', id, logLabel: id };
  if (!credential.publicKey) return { id, logLabel: `${id} (no key)` };
  // Naming an id someone read off --package-info earns nothing, and is not remembered.
  if (claim.packageProof === undefined) return { logLabel: `${id} (unproven)` };
  const kindFits = (credential.kind === 'root') === (claim.role === 'root');
  const proofInput = { packageId: id, kind: credential.kind, role: claim.role, name: claim.name, nonce: claim.nonce, channelBinding: claim.channelBinding };
  if (!kindFits || !verifyPackageProof(credential.publicKey, proofInput, claim.packageProof)) return { refusal: 'AUTH_FAILED', logLabel: `${id} (bad proof)` };
  return { id, logLabel: id, verified: true };
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

  package(claim: PackageClaim): PackageVerdict {
    return packageVerdict(this.packages, claim);
  }

  /**
   * Under lockdown a user gets in only with a registered name (its password is proven next) or
   * a client package that proved its key; roots always (they still prove the root password).
   */
  lockedOut(name: string, role: Role, verifiedPackage: boolean): boolean {
    return role === 'user' && !this.lockdown.admits({ registered: this.accounts.isRegistered(name), verifiedPackage });
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

  /**
   * Users online now whom lockdown would not admit if they logged in again: guests (a name
   * registered during the session proved nothing at login), and sessions whose account was
   * deleted or whose package was revoked since.
   */
  lockdownOutsiders(): Member[] {
    return this.roster.userMembers().filter((m) => !this.wouldAdmitNow(m));
  }

  private wouldAdmitNow(member: Member): boolean {
    switch (member.admittedBy) {
      case 'account':
        return this.accounts.isRegistered(member.name);
      case 'package':
        return member.packageId !== undefined && this.packages.credential(member.packageId)?.status === 'active';
      case 'root':
        return true;
      case 'guest':
        return false;
    }
  }
}
