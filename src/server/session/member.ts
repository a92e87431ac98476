// Who is behind a logged-in session: the identity the roster indexes. Immutable; a rename makes
// a new Member for the same session (the roster swaps them), so nobody edits an identity in place.
import type { ErrorCode } from '../../common/errors.js';
import { nameKey } from '../../protocol/names.js';
import type { MessageLimiter } from '../abuse/message-limiter.js';
import type { Session } from './session.js';

export type Role = 'user' | 'root';

/**
 * What a login proved beyond the passkey (issue 11): an account's password, an issued program's
 * package key, the root password, or nothing (a guest). Lockdown admits the first three.
 */
export type AdmittedBy = 'account' | 'package' | 'root' | 'guest';
/** A session's direct-message device (protocol 3): its key and what the login made of it. */
export interface SessionDevice {
  readonly id: string;
  /** The X25519 public key, base64url. */
  readonly key: string;
  /** new / known: registered to the account; session: a guest's, for this session; refused: not usable. */
  readonly status: 'new' | 'known' | 'session' | 'refused';
  /** Why it was refused. */
  readonly code?: ErrorCode | undefined;
}

/** A device that can send and receive direct messages. */
export function usableDevice(device: SessionDevice | undefined): device is SessionDevice {
  return device !== undefined && device.status !== 'refused';
}

export interface Identity {
  readonly name: string;
  readonly role: Role;
  /** The wire protocol version agreed in hello. */
  readonly protocol: number;
  /** The issued package this login came with, if any (revoking it ends the session). */
  readonly packageId?: string | undefined;
  /** How the log names that package: the id, "<id> (unknown)" or "malformed". */
  readonly packageLogLabel?: string | undefined;
  /** Chat and command rate limits (users only: root sessions are exempt). */
  readonly limiter?: MessageLimiter | undefined;
  /** What the login proved (issue 11); a guest when absent. */
  readonly admittedBy?: AdmittedBy | undefined;
  /** The package proved its key at login (not merely named its id). */
  readonly packageVerified?: boolean | undefined;
  /** The direct-message device this session logged in with (protocol 3 users). */
  readonly device?: SessionDevice | undefined;
}

export class Member implements Identity {
  /** The name lower-cased: how the roster and room memberships know it. */
  readonly key: string;
  readonly name: string;
  readonly role: Role;
  readonly protocol: number;
  readonly packageId: string | undefined;
  readonly packageLogLabel: string | undefined;
  readonly limiter: MessageLimiter | undefined;
  readonly admittedBy: AdmittedBy;
  readonly packageVerified: boolean;
  readonly device: SessionDevice | undefined;

  constructor(
    readonly session: Session,
    identity: Identity,
  ) {
    this.name = identity.name;
    this.key = nameKey(identity.name);
    this.role = identity.role;
    this.protocol = identity.protocol;
    this.packageId = identity.packageId;
    this.packageLogLabel = identity.packageLogLabel;
    this.limiter = identity.limiter;
    this.admittedBy = identity.admittedBy ?? 'guest';
    this.packageVerified = identity.packageVerified ?? false;
    this.device = identity.device;
  }

  /** The same person on the same connection under another name. */
  renamed(name: string): Member {
    return new Member(this.session, { ...this, name });
  }
}
