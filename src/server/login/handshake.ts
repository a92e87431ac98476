// The login conversation on one connection: hello (agree a protocol version, send the
// challenge with a fresh nonce), then auth (the passkey proof over that nonce, an issued
// program's package proof, admission), then for a registered name or root an OPAQUE exchange
// (protocol 3: account-challenge -> account-finish), or for a new name its registration
// (account-registration -> account-record). The handshake owns each connection's nonce, its
// name/password retries, its login window and its place in the login work, until the connection
// logs in or ends.
//
// Order of the checks in `auth`, and why: an address banned or blocked is refused before
// anything; while many addresses guess at once, unknown sources are slowed before their proof is
// even checked (no guess consumed); then the passkey proof; then what the package proof said
// (only now, so strangers learn nothing about package ids); then bans, lockdown, the name and the
// capacity; then, for a password, the target's delay (before any OPAQUE work) and a work slot.
import { ErrorCodes, type ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import { isStorageError } from '../../common/storage-errors.js';
import { newNonce, verifyProof } from '../../crypto/auth-proof.js';
import type { AuthKeys } from '../../data-dir/auth-keys.js';
import { OPAQUE_PROTOCOL_VERSION, type AccountFinishMessage, type AccountRecordMessage, type PrehashParams } from '../../protocol/account-exchange.js';
import type { AuthMessage } from '../../protocol/messages.js';
import { blockedText, type LoginFailures } from '../abuse/login-failures.js';
import { ROOT_TARGET, type LoginTarget } from '../abuse/login-targets.js';
import type { Accounts } from '../accounts/accounts.js';
import { stretchingParams, type Credential, type Passwords } from '../accounts/passwords.js';
import type { Clock } from '../clock.js';
import type { Reply } from '../commands/reply.js';
import type { AdmittedBy, Role } from '../session/member.js';
import { DeadlineQueue } from '../session/deadlines.js';
import type { Session } from '../session/session.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { Admission, PackageVerdict } from './admission.js';
import type { Arrivals } from './arrivals.js';
import type { LoginDevices } from './devices.js';

/** What a login claimed once its proofs passed: what the rest of it needs. */
interface Claim {
  readonly name: string;
  readonly role: Role;
  readonly resume: AuthMessage['resume'];
  /** The auth message itself: the direct-message device step reads its key and cursor at admission. */
  readonly auth: AuthMessage;
  readonly pkg: PackageVerdict;
  /** The source may use the login work's reserve (it logged in before, or proved a package). */
  readonly trusted: boolean;
}

/** An OPAQUE exchange in progress during login. */
type Exchange = { readonly kind: 'login'; readonly target: LoginTarget; readonly state: string } | { readonly kind: 'register'; readonly id: string };

/** One connection's login so far. */
interface PendingLogin {
  phase: 'hello' | 'auth' | 'account-finish' | 'account-record';
  /** The protocol version agreed in hello. */
  protocol: number;
  /** Single-use: emptied as soon as a proof over it is checked. */
  nonce: Buffer;
  /** Logins refused with "try another name/password" on this connection so far. */
  retries: number;
  claim?: Claim;
  exchange?: Exchange;
}

export interface ServerVersion {
  readonly name: string;
  readonly version: string;
  /** Protocol versions this server speaks. */
  readonly protocols: readonly number[];
  /** The server's stable id (protocol 3: direct-message profiles are keyed by it). */
  readonly id?: string;
}

const ROOT_TOO_OLD = 'This root program is too old: root passwords are proven with protocol 3, which never sends them. Use a root package of this version.';
const PASSWORD_TOO_OLD = 'That name is registered, and this program is too old to prove its password without sending it (protocol 3). Pick another name, or ask the admin for a new package.';
const REGISTER_TOO_OLD = 'This program is too old to register a name (protocol 3 never sends the password). Pick a name without registering, or ask the admin for a new package.';

export class LoginHandshake {
  private readonly pending = new Map<Session, PendingLogin>();
  /** Every connection's login window, behind one timer. */
  private readonly windows: DeadlineQueue<Session>;
  private closing = false;

  constructor(
    private readonly keys: AuthKeys,
    private readonly server: ServerVersion,
    private readonly admission: Admission,
    private readonly accounts: Accounts,
    private readonly passwords: Passwords,
    private readonly arrivals: Arrivals,
    private readonly failures: LoginFailures,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: Pick<ServerLimits, 'authTimeoutMs' | 'maxLoginRetries'> & { readonly requireRegistration: boolean; readonly login: ServerLimits['login'] },
    private readonly devices: LoginDevices,
    /** New accounts per address per day (issue 11): a registration at login spends one. */
    private readonly quotas: Pick<StorageQuotas, 'spend'>,
  ) {
    this.windows = new DeadlineQueue(limits.authTimeoutMs, (session) => {
      // Told "timed out": from here on nothing this connection sends can log it in or create an account.
      this.end(session);
      session.fail('AUTH_TIMEOUT');
    });
  }

  /** A new connection: it has the login window to log in. */
  begin(session: Session): void {
    this.pending.set(session, { phase: 'hello', protocol: 1, nonce: newNonce(), retries: 0 });
    this.windows.set(session);
  }

  /**
   * The connection ended (logged in or not). A login that had its KE2 and never answered counts
   * as a wrong password: KE2 let the client test its guess, so walking away must not be free.
   */
  end(session: Session): void {
    const login = this.pending.get(session);
    this.pending.delete(session);
    this.windows.cancel(session);
    this.passwords.work.release(session);
    if (login?.phase === 'account-finish' && login.exchange?.kind === 'login') {
      this.failures.record(session.address, login.exchange.target);
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: 'ABANDONED' });
    }
  }

  /** The server is shutting down: logins in progress are refused from now on. */
  shuttingDown(): void {
    this.closing = true;
    this.windows.clear();
  }

  /** `hello`: agree the highest shared protocol version and send the challenge. */
  hello(session: Session, versions: readonly number[]): Reply | undefined {
    const login = this.pending.get(session);
    if (login?.phase !== 'hello') {
      session.rejectInput('UNEXPECTED_MESSAGE', 'Hello was already received.');
      return undefined;
    }
    const shared = versions.filter((v) => this.server.protocols.includes(v));
    if (shared.length === 0) {
      session.fail('PROTOCOL_VERSION', `This server speaks protocol version ${this.server.protocols.join(', ')}; update your client.`);
      return undefined;
    }
    login.phase = 'auth';
    login.protocol = Math.max(...shared);
    // Protocols 1 and 2 name the root password's PBKDF2 salt (their clients expect it); protocol 3 proves it by OPAQUE.
    const rootKdf = login.protocol < OPAQUE_PROTOCOL_VERSION ? { rootKdf: { algorithm: 'pbkdf2-sha256' as const, salt: this.keys.root.salt.toString('base64'), iterations: this.keys.root.iterations } } : {};
    return {
      type: 'challenge',
      protocol: login.protocol,
      server: { name: this.server.name, version: this.server.version },
      ...(login.protocol >= 3 && this.server.id !== undefined ? { serverId: this.server.id } : {}),
      nonce: login.nonce.toString('base64'),
      kdf: { algorithm: 'pbkdf2-sha256', salt: this.keys.passkey.salt.toString('base64'), iterations: this.keys.passkey.iterations },
      ...rootKdf,
    };
  }

  /** `auth`: proofs, admission; then the member is admitted, asked for its OPAQUE exchange, refused, or asked again. */
  async auth(session: Session, message: AuthMessage): Promise<void> {
    const login = this.pending.get(session);
    if (login?.phase !== 'auth') return session.rejectInput('UNEXPECTED_MESSAGE', 'Send hello first, and log in only once.');
    if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
    // An address blocked (or banned) while this connection was open learns nothing more, not
    // even whether this guess was right: refused before the proof is checked.
    const blocked = this.admission.addressRefusal(session.address);
    if (blocked) return session.fail(blocked.code, blocked.message);
    const channelBinding = session.channelBinding();
    const nonce = login.nonce;
    // The nonce is single-use: whatever happens next, a proof over it is never accepted again.
    login.nonce = Buffer.alloc(0);
    const pkg = this.admission.package({ packageId: message.packageId, packageProof: message.packageProof, role: message.role, name: message.name, nonce, channelBinding });
    const trusted = this.failures.trusts(session.address) || pkg.verified === true;
    const slowed = this.failures.guessingWait(trusted);
    if (slowed > 0) return this.tryLater(session, slowed, 'Many addresses are failing to log in right now, so logins from new addresses are slowed: try again in a few seconds.');
    if (!verifyProof(this.keys.passkey.key, { purpose: 'passkey', role: message.role, name: message.name, nonce, channelBinding }, message.proof)) return this.failed(session, 'AUTH_FAILED');
    if (pkg.refusal === 'AUTH_FAILED' && message.packageId !== undefined) return this.failed(session, 'AUTH_FAILED', { kind: 'package', id: message.packageId }, pkg.logLabel);
    if (pkg.refusal) {
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: pkg.refusal, package: pkg.logLabel });
      return session.fail(pkg.refusal);
    }
    if (message.role === 'root' && login.protocol < OPAQUE_PROTOCOL_VERSION) return this.refuseFatal(session, 'CLIENT_TOO_OLD', ROOT_TOO_OLD);
    const barred = this.admission.barred(message.name, message.role, session.address);
    if (barred) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: barred.code });
      return session.fail(barred.code, barred.message);
    }
    const verifiedClient = pkg.verified === true && message.role === 'user';
    if (this.admission.lockedOut(message.name, message.role, verifiedClient)) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: 'LOCKDOWN', ...(pkg.logLabel ? { package: pkg.logLabel } : {}) });
      return session.fail('LOCKDOWN');
    }
    const refusal = this.admission.nameOrCapacity(message.name, message.role, session.address, pkg.id);
    if (refusal) return this.refuse(session, login, refusal);
    const claim: Claim = { name: message.name, role: message.role, resume: message.resume, auth: message, pkg, trusted };
    login.claim = claim;
    const opening = message.account;
    if (message.role === 'root') {
      if (opening?.ke1 === undefined) return this.refuseFatal(session, 'ROOT_AUTH_FAILED', 'A root login needs the root password.');
      return this.startLogin(session, login, ROOT_TARGET, this.passwords.root, opening.ke1);
    }
    let account;
    try {
      account = this.accounts.find(message.name);
    } catch (error) {
      return this.storageFailed(session, error);
    }
    if (account) {
      if (login.protocol < OPAQUE_PROTOCOL_VERSION) return this.refuse(session, login, 'CLIENT_TOO_OLD', PASSWORD_TOO_OLD);
      const credential = account.credential;
      if (!credential) return this.refuseFatal(session, 'PASSWORD_WRONG', 'This account has no usable password record; a root can delete it so the name can be registered again.');
      // No KE1 yet, or one over the wrong input (a migrated account needs its prehash): say what to send. Not a guess.
      if (opening?.ke1 === undefined || (opening.prehashed === true) !== (credential.prehash !== undefined)) {
        return this.refuse(session, login, 'PASSWORD_REQUIRED', undefined, credential.prehash ? { prehash: { algorithm: 'scrypt', ...credential.prehash } } : {});
      }
      return this.startLogin(session, login, { kind: 'account', name: account.name }, credential, opening.ke1);
    }
    if (message.register) {
      if (login.protocol < OPAQUE_PROTOCOL_VERSION) return this.refuse(session, login, 'CLIENT_TOO_OLD', REGISTER_TOO_OLD);
      if (opening?.registrationRequest === undefined) return this.refuse(session, login, 'PASSWORD_REQUIRED');
      // A registration begun counts against the address's new accounts of the day.
      const overQuota = this.quotas.spend({ kind: 'accounts', address: session.address, amount: 1 });
      if (overQuota) {
        this.logger.warn('registration refused', { conn: session.id, address: session.address, reason: overQuota.code });
        return this.refuse(session, login, overQuota.code, overQuota.message);
      }
      return this.startRegistration(session, login, opening.registrationRequest);
    }
    if (this.limits.requireRegistration) return this.refuse(session, login, 'REGISTRATION_REQUIRED');
    return this.admit(session, login, claim.pkg.verified ? 'package' : 'guest');
  }

  /** `account-finish` during login: KE3 proves the password (and is bound to this TLS channel), or the client gave up. */
  async accountFinish(session: Session, message: AccountFinishMessage): Promise<void> {
    const login = this.pending.get(session);
    const exchange = login?.exchange;
    const claim = login?.claim;
    if (login?.phase !== 'account-finish' || exchange?.kind !== 'login' || !claim || session.state !== 'open') return session.rejectInput('UNEXPECTED_MESSAGE', 'No login is waiting for that.');
    // From here on this exchange is settled one way or the other (end() must not count it again).
    login.phase = 'auth';
    login.exchange = undefined;
    const proven = await this.passwords.finishLogin(exchange.state, message.ke3, message.binding, { role: claim.role, name: claim.name, channelBinding: session.channelBinding() });
    this.passwords.work.release(session);
    if (this.pending.get(session) !== login) return;
    if (!proven) return this.failed(session, claim.role === 'root' ? 'ROOT_AUTH_FAILED' : 'PASSWORD_WRONG', exchange.target);
    this.failures.succeeded(session.address, exchange.target, claim.pkg.verified ? claim.pkg.id : undefined);
    return this.admit(session, login, claim.role === 'root' ? 'root' : 'account');
  }

  /** `account-record` during login: the new name's record; the account exists from now on. */
  accountRecord(session: Session, message: AccountRecordMessage): Promise<void> | void {
    const login = this.pending.get(session);
    const exchange = login?.exchange;
    const claim = login?.claim;
    // A connection already told "timed out" (or closing for any reason) never creates an account.
    if (login?.phase !== 'account-record' || exchange?.kind !== 'register' || !claim || session.state !== 'open') return session.rejectInput('UNEXPECTED_MESSAGE', 'No registration is waiting for a record.');
    login.phase = 'auth';
    login.exchange = undefined;
    this.passwords.work.release(session);
    if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
    const stretching = this.passwords.acceptedStretching(message.stretching);
    if (!stretching) return session.fail('BAD_MESSAGE', 'The record is stretched less than this server requires.');
    let created: boolean;
    try {
      created = this.accounts.create(claim.name, { id: exchange.id, record: message.record, stretching }, this.clock.now());
    } catch (error) {
      return this.storageFailed(session, error);
    }
    if (!created) return this.refuse(session, login, 'NAME_REGISTERED');
    this.logger.info('account registered', { conn: session.id, user: claim.name });
    this.failures.succeeded(session.address, { kind: 'account', name: claim.name }, claim.pkg.verified ? claim.pkg.id : undefined);
    return this.admit(session, login, 'account');
  }

  /** KE1 for `target`: its delay first (before any work), then a slot in the login work, then KE2. */
  private async startLogin(session: Session, login: PendingLogin, target: LoginTarget, credential: Credential, ke1: string): Promise<void> {
    const claim = login.claim;
    if (!claim) return;
    const wait = this.failures.targetWait(target, session.address, claim.pkg.verified ? claim.pkg.id : undefined);
    if (wait > 0) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: 'TRY_LATER', target: target.kind });
      return this.tryLater(session, wait, `Too many wrong passwords for ${target.kind === 'root' ? 'root' : claim.name} lately: try again in ${Math.ceil(wait / 1000)} s.`);
    }
    if (!this.passwords.work.acquire(session, claim.trusted)) return this.busy(session);
    const started = await this.passwords.startLogin(session, credential, ke1);
    if (this.pending.get(session) !== login || session.state !== 'open') return this.passwords.work.release(session);
    if (!started.ok) {
      this.passwords.work.release(session);
      return session.fail('BAD_MESSAGE', 'The login message (KE1) is malformed.');
    }
    login.phase = 'account-finish';
    login.exchange = { kind: 'login', target, state: started.value.state };
    session.send({ type: 'account-challenge', ke2: started.value.ke2, stretching: stretchingParams(credential.stretching) });
  }

  /** A new name's registration request: a slot, then the response; the record comes next. */
  private async startRegistration(session: Session, login: PendingLogin, request: string): Promise<void> {
    const claim = login.claim;
    if (!claim) return;
    if (!this.passwords.work.acquire(session, claim.trusted)) return this.busy(session);
    const id = this.accounts.newCredentialId();
    const response = await this.passwords.registrationResponse(session, id, request);
    if (this.pending.get(session) !== login || session.state !== 'open') return this.passwords.work.release(session);
    if (!response.ok) {
      this.passwords.work.release(session);
      return session.fail('BAD_MESSAGE', 'The registration request is malformed.');
    }
    login.phase = 'account-record';
    login.exchange = { kind: 'register', id };
    session.send({ type: 'account-registration', registrationResponse: response.value, stretching: stretchingParams(this.passwords.stretching) });
  }

  /** Every check passed: last looks (the server, the name) and the member joins. */
  private async admit(session: Session, login: PendingLogin, admittedBy: AdmittedBy): Promise<void> {
    const claim = login.claim;
    if (!claim) return;
    if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
    // An exchange took time: the name may have been taken or the server filled meanwhile.
    const late = this.admission.nameOrCapacity(claim.name, claim.role, session.address, claim.pkg.id);
    if (late) return this.refuse(session, login, late);
    if (admittedBy === 'guest' || admittedBy === 'package') this.failures.succeeded(session.address);
    this.end(session);
    const pkg = claim.pkg;
    // Direct messages (protocol 3): the device is decided last, in the same tick as the admission
    // (after any OPAQUE exchange or registration, so a new account's first device is its own).
    const device = this.devices.claim(claim.auth, login.protocol);
    await this.arrivals.admit(
      session,
      { name: claim.name, role: claim.role, protocol: login.protocol, packageId: pkg.id, packageLogLabel: pkg.logLabel, packageVerified: pkg.verified === true, admittedBy, device },
      claim.resume,
      claim.auth.directAfter,
    );
  }

  /** A wrong passkey, root password, account password or package proof: counted, logged, and the connection closed. */
  private failed(session: Session, code: 'AUTH_FAILED' | 'ROOT_AUTH_FAILED' | 'PASSWORD_WRONG', target?: LoginTarget, packageLabel?: string): void {
    const block = this.failures.record(session.address, target);
    this.logger.warn('login failed', { conn: session.id, address: session.address, reason: code, ...(packageLabel ? { package: packageLabel } : {}) });
    // The failure that blocks the address says so: the next try would only meet a ban.
    session.fail(code, block ? `${ErrorCodes[code].message} ${blockedText(block)}` : undefined);
  }

  /** TRY_LATER (a target's delay, or distributed guessing) with when to come back; closes. */
  private tryLater(session: Session, retryAfterMs: number, message: string): void {
    this.failFatal(session, 'TRY_LATER', message, { retryAfterMs });
  }

  private busy(session: Session): void {
    this.logger.info('login refused', { conn: session.id, address: session.address, reason: 'BUSY' });
    this.failFatal(session, 'BUSY', undefined, { retryAfterMs: this.limits.login.busyRetryAfterMs });
  }

  private refuseFatal(session: Session, code: ErrorCode, message: string): void {
    this.logger.info('login refused', { conn: session.id, address: session.address, reason: code });
    session.fail(code, message);
  }

  /** An error with protocol-3 fields, then the goodbye. */
  private failFatal(session: Session, code: ErrorCode, message: string | undefined, extra: { retryAfterMs?: number }): void {
    const text = message ?? ErrorCodes[code].message;
    session.send({ type: 'error', code, message: text, ...extra });
    session.close({ code, message: text });
  }

  private storageFailed(session: Session, error: unknown): void {
    if (!isStorageError(error)) throw error;
    this.alarm.report('database', error);
    session.fail('STORAGE_FAILED', 'The server could not save your login (a storage problem); try again later.');
  }

  private refuse(session: Session, login: PendingLogin, refusal: ErrorCode, message?: string, extra: { prehash?: PrehashParams } = {}): void {
    if (ErrorCodes[refusal].fatal) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: refusal });
      return session.fail(refusal, message);
    }
    // Name and password problems get another try on the same connection, with a fresh nonce
    // and a fresh login window (a person is typing); a handful of tries, then the door closes.
    login.retries += 1;
    login.phase = 'auth';
    login.claim = undefined;
    if (login.retries > this.limits.maxLoginRetries) return session.fail('AUTH_TIMEOUT', 'Too many login attempts on one connection; connect again.');
    login.nonce = newNonce();
    this.windows.set(session);
    session.send({ type: 'error', code: refusal, message: message ?? ErrorCodes[refusal].message, nonce: login.nonce.toString('base64'), ...extra });
  }
}
