// The login conversation on one connection: hello (agree a protocol version, send the
// challenge with a fresh nonce), then auth (check the proofs over that nonce, then admission,
// then the account password). The handshake owns each connection's nonce, its name/password
// retries and its login window, until the connection logs in or ends.
import { ErrorCodes, type ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import { newNonce, verifyProof } from '../../crypto/auth-proof.js';
import type { AuthKeys } from '../../data-dir/auth-keys.js';
import { isStorageError } from '../../common/storage-errors.js';
import type { AuthMessage } from '../../protocol/messages.js';
import { blockedText, type LoginFailures } from '../abuse/login-failures.js';
import type { LoginCheck } from '../accounts/accounts.js';
import type { AccountService } from '../accounts/account-service.js';
import type { Reply } from '../commands/reply.js';
import { DeadlineQueue } from '../session/deadlines.js';
import type { Session } from '../session/session.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { Admission } from './admission.js';
import type { Arrivals } from './arrivals.js';
import type { LoginDevices } from './devices.js';

/** One connection's login so far. */
interface PendingLogin {
  phase: 'hello' | 'auth';
  /** The protocol version agreed in hello. */
  protocol: number;
  /** Single-use: emptied as soon as a proof over it is checked. */
  nonce: Buffer;
  /** Logins refused with "try another name/password" on this connection so far. */
  retries: number;
}

export interface ServerVersion {
  readonly name: string;
  readonly version: string;
  /** Protocol versions this server speaks. */
  readonly protocols: readonly number[];
  /** The server's stable id (protocol 3: direct-message profiles are keyed by it). */
  readonly id?: string;
}

export class LoginHandshake {
  private readonly pending = new Map<Session, PendingLogin>();
  /** Every connection's login window, behind one timer. */
  private readonly windows: DeadlineQueue<Session>;
  private closing = false;

  constructor(
    private readonly keys: AuthKeys,
    private readonly server: ServerVersion,
    private readonly admission: Admission,
    private readonly accounts: AccountService,
    private readonly arrivals: Arrivals,
    private readonly failures: LoginFailures,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly limits: Pick<ServerLimits, 'authTimeoutMs' | 'maxLoginRetries'>,
    private readonly devices: LoginDevices,
  ) {
    this.windows = new DeadlineQueue(limits.authTimeoutMs, (session) => session.fail('AUTH_TIMEOUT'));
  }

  /** A new connection: it has the login window to log in. */
  begin(session: Session): void {
    this.pending.set(session, { phase: 'hello', protocol: 1, nonce: newNonce(), retries: 0 });
    this.windows.set(session);
  }

  /** The connection ended (logged in or not). */
  end(session: Session): void {
    this.pending.delete(session);
    this.windows.cancel(session);
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
    return {
      type: 'challenge',
      protocol: login.protocol,
      server: { name: this.server.name, version: this.server.version },
      ...(login.protocol >= 3 && this.server.id !== undefined ? { serverId: this.server.id } : {}),
      nonce: login.nonce.toString('base64'),
      kdf: { algorithm: 'pbkdf2-sha256', salt: this.keys.passkey.salt.toString('base64'), iterations: this.keys.passkey.iterations },
      rootKdf: { algorithm: 'pbkdf2-sha256', salt: this.keys.root.salt.toString('base64'), iterations: this.keys.root.iterations },
    };
  }

  /** `auth`: proofs, admission, account; then the member is admitted (or refused, or asked again). */
  async auth(session: Session, message: AuthMessage): Promise<void> {
    const login = this.pending.get(session);
    if (login?.phase !== 'auth') return session.rejectInput('UNEXPECTED_MESSAGE', 'Send hello first, and log in only once.');
    if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
    // An address blocked (or banned) while this connection was open learns nothing more, not
    // even whether this guess was right: refused before the proof is checked.
    const blocked = this.admission.addressRefusal(session.address);
    if (blocked) return session.fail(blocked.code, blocked.message);
    const proofInput = { role: message.role, name: message.name, nonce: login.nonce, channelBinding: session.channelBinding() };
    // The nonce is single-use: whatever happens next, a proof over it is never accepted again.
    login.nonce = Buffer.alloc(0);
    if (!verifyProof(this.keys.passkey.key, { ...proofInput, purpose: 'passkey' }, message.proof)) return this.failed(session, 'AUTH_FAILED');
    if (message.role === 'root' && !(message.rootProof && verifyProof(this.keys.root.key, { ...proofInput, purpose: 'root' }, message.rootProof))) return this.failed(session, 'ROOT_AUTH_FAILED');
    const barred = this.admission.barred(message.name, message.role, session.address);
    if (barred) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: barred.code });
      return session.fail(barred.code, barred.message);
    }
    const pkg = this.admission.package(message.packageId);
    if (pkg.refusal) {
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: pkg.refusal, package: pkg.logLabel });
      return session.fail(pkg.refusal);
    }
    if (this.admission.lockedOut(message.name, message.role, pkg.id)) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: 'LOCKDOWN' });
      return session.fail('LOCKDOWN');
    }
    const refusal = this.admission.nameOrCapacity(message.name, message.role, session.address, pkg.id);
    if (refusal) return this.refuse(session, login, refusal);
    if (message.role === 'user') {
      // Registered names need their password (scrypt, off the event loop).
      let account: LoginCheck;
      try {
        account = await this.accounts.checkLogin(session, message);
      } catch (error) {
        if (!isStorageError(error)) throw error;
        this.alarm.report('database', error);
        return session.fail('STORAGE_FAILED', 'The server could not save your login (a storage problem); try again later.');
      }
      if (!account.ok) return this.refuse(session, login, account.code);
      // The check took time: the session, the name or the server may have changed meanwhile.
      if (this.pending.get(session) !== login) return;
      if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
      const late = this.admission.nameOrCapacity(message.name, message.role, session.address, pkg.id);
      if (late) return this.refuse(session, login, late);
    }
    this.end(session);
    // Direct messages (protocol 3): the device is decided last, in the same tick as the admission.
    const device = this.devices.claim(message, login.protocol);
    await this.arrivals.admit(session, { name: message.name, role: message.role, protocol: login.protocol, packageId: pkg.id, packageLogLabel: pkg.logLabel, device }, message.resume, message.directAfter);
  }

  /** A wrong passkey or root password: counted, logged, and the connection closed. */
  private failed(session: Session, code: 'AUTH_FAILED' | 'ROOT_AUTH_FAILED'): void {
    const block = this.failures.record(session.address);
    this.logger.warn('login failed', { conn: session.id, address: session.address, reason: code });
    // The failure that blocks the address says so: the next try would only meet a ban.
    session.fail(code, block ? `${ErrorCodes[code].message} ${blockedText(block)}` : undefined);
  }

  private refuse(session: Session, login: PendingLogin, refusal: ErrorCode): void {
    if (ErrorCodes[refusal].fatal) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: refusal });
      return session.fail(refusal);
    }
    // Name and password problems get another try on the same connection, with a fresh nonce
    // and a fresh login window (a person is typing); a handful of tries, then the door closes.
    login.retries += 1;
    if (login.retries > this.limits.maxLoginRetries) return session.fail('AUTH_TIMEOUT', 'Too many login attempts on one connection; connect again.');
    login.nonce = newNonce();
    this.windows.set(session);
    session.sendError(refusal, undefined, { nonce: login.nonce.toString('base64') });
  }
}
