// Registered names as people use them once logged in: /register and /password as OPAQUE
// exchanges (protocol 3: the password never reaches the server), /nick (the account, the room
// memberships and the roster follow the new name) and root's listing and deletion of accounts.
// The login side of accounts is the handshake's (login/handshake.ts).
//
// /register: `command register <registration request>` -> account-registration ->
//   `account-record` -> account registered.
// /password: `command password <KE1 over the current password> [prehashed]` -> account-challenge
//   -> `account-finish` (KE3, binding, registration request for the new password) ->
//   account-registration -> `account-record` -> account password-changed.
// An exchange holds a login-work slot until its last message, and lasts at most the login window.
import { ErrorCodes } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import type { AccountFinishMessage, AccountRecordMessage } from '../../protocol/account-exchange.js';
import { OPAQUE_PROTOCOL_VERSION } from '../../protocol/account-exchange.js';
import { checkName, nameKey } from '../../protocol/names.js';
import { blockedText, type LoginFailures } from '../abuse/login-failures.js';
import type { LoginTarget } from '../abuse/login-targets.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import { actorName, type RoomService } from '../chat/room-service.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import { DeadlineQueue } from '../session/deadlines.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { Accounts } from './accounts.js';
import { stretchingParams, type Passwords } from './passwords.js';

/** One exchange in progress on a logged-in session. */
type Exchange =
  | { readonly kind: 'register'; readonly name: string; readonly id: string }
  | { readonly kind: 'prove-old'; readonly name: string; readonly id: string; readonly state: string; readonly target: LoginTarget; readonly upgrade: boolean }
  | { readonly kind: 'new-password'; readonly name: string; readonly id: string; readonly upgrade: boolean };

const TOO_OLD = 'Passwords are set with a newer program (protocol 3) that never sends them to the server; ask the admin for a new package.';

/** What else moves with an account or goes with it (direct messages' devices, mailboxes, blocks). */
export interface AccountFollower {
  /** Inside the rename's transaction. */
  renameRows(oldName: string, newName: string): void;
  accountDeleted(name: string): void;
}

export class AccountService {
  private readonly exchanges = new Map<Session, Exchange>();
  private readonly deadlines: DeadlineQueue<Session>;

  constructor(
    readonly accounts: Accounts,
    private readonly passwords: Passwords,
    private readonly rooms: RoomService,
    private readonly roster: Roster,
    private readonly fanout: Fanout,
    private readonly failures: LoginFailures,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly clock: Clock,
    limits: Pick<ServerLimits, 'authTimeoutMs'>,
    private readonly follower: AccountFollower,
    /** New accounts per address per day, and none below the disk reserve (issue 11). */
    private readonly quotas: StorageQuotas,
  ) {
    // An exchange left half-way ends with the login window; a password proof left unanswered
    // counts as a wrong one (KE2 already let the client test its guess).
    this.deadlines = new DeadlineQueue(limits.authTimeoutMs, (session) => this.abandon(session));
  }

  isRegistered(name: string): boolean {
    return this.accounts.isRegistered(name);
  }

  /** A user logged in or out: a registered name's last-seen time moves. */
  seen(member: Member): void {
    if (member.role !== 'user' || !this.accounts.isRegistered(member.name)) return;
    try {
      this.accounts.touch(member.name, this.clock.now());
    } catch (error) {
      this.alarm.report('accounts', error);
    }
  }

  /** A session ended: an exchange in progress ends with it. */
  ended(session: Session): void {
    this.abandon(session);
  }

  /** `/register`: answer the registration request; the record follows in `account-record`. */
  async register(member: Member, request: string): Promise<Reply> {
    if (member.protocol < OPAQUE_PROTOCOL_VERSION) throw new CommandError('CLIENT_TOO_OLD', TOO_OLD);
    if (this.accounts.isRegistered(member.name)) throw new CommandError('ALREADY_REGISTERED', `${member.name} is already registered; /password changes its password.`);
    if (this.accounts.lookAlikeOf(member.name) !== undefined) throw new CommandError('NAME_REGISTERED', `${member.name} looks too much like a registered name to be registered too; /nick to another name first.`);
    // A registration begun counts against the address's new accounts of the day.
    const refusal = this.quotas.spend({ kind: 'accounts', address: member.session.address, amount: 1 });
    if (refusal) throw new CommandError(refusal.code, refusal.message);
    const session = member.session;
    this.begin(session, 'register');
    const id = this.accounts.newCredentialId();
    const response = await this.passwords.registrationResponse(session, id, request);
    if (!response.ok) return this.failedStep(session, response.why);
    this.exchanges.set(session, { kind: 'register', name: member.name, id });
    return { type: 'account-registration', registrationResponse: response.value, stretching: stretchingParams(this.passwords.stretching) };
  }

  /**
   * `/password`, step one: KE1 over the current password (or, `prehashed`, over a migrated
   * account's prehash). `upgrade` marks the client's automatic re-registration of a migrated account.
   */
  async changePassword(member: Member, ke1: string, flags: readonly string[]): Promise<Reply> {
    if (member.protocol < OPAQUE_PROTOCOL_VERSION) throw new CommandError('CLIENT_TOO_OLD', TOO_OLD);
    const account = this.accounts.find(member.name);
    if (!account) throw new CommandError('NOT_REGISTERED', 'Your name is not registered: /register sets a password.');
    const credential = account.credential;
    if (!credential) throw new CommandError('NOT_PERMITTED', 'This account has no usable password record; a root can delete it so the name can be registered again.');
    const prehashed = flags.includes('prehashed');
    if (prehashed !== (credential.prehash !== undefined)) {
      // The client ran OPAQUE over the wrong input: say which one, before any work (not a guess).
      return { type: 'error', code: 'PASSWORD_REQUIRED', message: 'Prove your current password again with the input this account uses.', ...(credential.prehash ? { prehash: { algorithm: 'scrypt', ...credential.prehash } } : {}) };
    }
    const session = member.session;
    const target: LoginTarget = { kind: 'account', name: member.name };
    const wait = this.failures.targetWait(target, session.address, member.packageVerified ? member.packageId : undefined);
    if (wait > 0) return { type: 'error', code: 'TRY_LATER', message: `Too many wrong passwords for ${member.name} lately: try again in ${Math.ceil(wait / 1000)} s.`, retryAfterMs: wait };
    this.begin(session, 'password');
    const started = await this.passwords.startLogin(session, credential, ke1);
    if (!started.ok) return this.failedStep(session, started.why);
    this.exchanges.set(session, { kind: 'prove-old', name: member.name, id: credential.id, state: started.value.state, target, upgrade: flags.includes('upgrade') });
    return { type: 'account-challenge', ke2: started.value.ke2, stretching: stretchingParams(credential.stretching) };
  }

  /** `/password`, step two: KE3 proves the current password; answer the new password's registration request. */
  async finish(member: Member, message: AccountFinishMessage): Promise<Reply> {
    const session = member.session;
    const exchange = this.exchanges.get(session);
    if (exchange?.kind !== 'prove-old' || exchange.name !== member.name) throw new CommandError('UNEXPECTED_MESSAGE', 'No password change is waiting for that.');
    this.exchanges.delete(session);
    const proven = await this.passwords.finishLogin(exchange.state, message.ke3, message.binding, { role: 'user', name: member.name, channelBinding: session.channelBinding() });
    if (!proven) {
      this.end(session);
      const block = this.failures.record(session.address, exchange.target);
      this.logger.warn('password change refused', { conn: session.id, user: member.name, reason: 'OLD_PASSWORD_WRONG' });
      throw new CommandError('OLD_PASSWORD_WRONG', block ? `${ErrorCodes.OLD_PASSWORD_WRONG.message} ${blockedText(block)}` : undefined);
    }
    this.failures.succeeded(session.address, exchange.target);
    if (message.registrationRequest === undefined) {
      // Only the current password was proven: the check a client makes before asking for the new one.
      this.end(session);
      return { type: 'ack', text: 'That is your current password.' };
    }
    const response = await this.passwords.registrationResponse(session, exchange.id, message.registrationRequest);
    if (!response.ok) return this.failedStep(session, response.why);
    this.exchanges.set(session, { kind: 'new-password', name: member.name, id: exchange.id, upgrade: exchange.upgrade });
    return { type: 'account-registration', registrationResponse: response.value, stretching: stretchingParams(this.passwords.stretching) };
  }

  /** The last step of /register or /password: store the record. */
  record(member: Member, message: AccountRecordMessage): Reply {
    const session = member.session;
    const exchange = this.exchanges.get(session);
    if ((exchange?.kind !== 'register' && exchange?.kind !== 'new-password') || exchange.name !== member.name) throw new CommandError('UNEXPECTED_MESSAGE', 'No registration is waiting for a record.');
    this.end(session);
    const stretching = this.passwords.acceptedStretching(message.stretching);
    if (!stretching) throw new CommandError('BAD_MESSAGE', 'The record is stretched less than this server requires.');
    const credential = { id: exchange.id, record: message.record, stretching };
    if (exchange.kind === 'register') {
      if (!this.accounts.create(member.name, credential, this.clock.now())) throw new CommandError('NAME_REGISTERED');
      this.logger.info('account registered', { conn: session.id, user: member.name });
      return { type: 'account', event: 'registered', name: member.name };
    }
    this.accounts.replaceCredential(member.name, credential);
    this.logger.info(exchange.upgrade ? 'password upgraded to OPAQUE' : 'password changed', { conn: session.id, user: member.name });
    return { type: 'account', event: 'password-changed', name: member.name };
  }

  /** /nick: name rules, nobody online with it, not someone else's registered name. Memberships follow. */
  rename(member: Member, newName: string): Reply {
    const oldName = member.name;
    const problem = checkName(newName);
    if (problem) throw new CommandError(problem);
    if (newName === oldName) throw new CommandError('INVALID_ARGUMENT', `You are already called ${oldName}.`);
    const sameKey = nameKey(newName) === member.key;
    if (!sameKey && this.roster.named(newName)) throw new CommandError('NAME_TAKEN');
    if (!sameKey && this.accounts.isRegistered(newName)) throw new CommandError('NAME_REGISTERED');
    // Look-alikes of someone else's name (UTS #39): "aIice" while alice is online or registered.
    if (!sameKey && this.roster.lookAlike(newName, member.key)) throw new CommandError('NAME_TAKEN', `${newName} looks too much like the name of someone online; choose another.`);
    const lookAlike = sameKey ? undefined : this.accounts.lookAlikeOf(newName, member.key);
    if (lookAlike !== undefined) throw new CommandError('NAME_REGISTERED', `${newName} looks too much like a registered name; choose another.`);
    // A password exchange in progress belongs to the old name.
    this.abandon(member.session);
    const registered = this.accounts.isRegistered(oldName);
    const rooms = this.rooms.rooms;
    this.accounts.transaction(() => {
      if (registered) this.accounts.renameAccount(oldName, newName);
      rooms.renameMemberRows(oldName, newName);
      this.follower.renameRows(oldName, newName);
    });
    rooms.renameMemberInMemory(oldName, newName);
    this.roster.rename(member, newName);
    this.logger.info('rename', { conn: member.session.id, from: oldName, to: newName });
    const time = this.clock.iso();
    this.fanout.send(Audience.everyone(), { type: 'rename', from: oldName, to: newName, time }, { type: 'notice', from: 'server', text: `${oldName} is now known as ${newName}.`, time });
    return ACK;
  }

  /** Root: registered accounts with when they were last seen, a page at a time (`page` from 1). */
  list(page: number, perPage: number): Reply {
    const total = this.accounts.count();
    const pages = Math.max(1, Math.ceil(total / perPage));
    if (page > pages) throw new CommandError('INVALID_ARGUMENT', `There ${pages === 1 ? 'is 1 page' : `are ${pages} pages`} of accounts (${total} in all).`);
    return {
      type: 'accounts',
      page,
      pages,
      total,
      accounts: this.accounts.page((page - 1) * perPage, perPage).map((account) => ({
        name: account.name,
        created: new Date(account.createdAt).toISOString(),
        ...(account.lastSeenAt === null ? {} : { lastSeen: new Date(account.lastSeenAt).toISOString() }),
        online: this.roster.named(account.name) !== undefined,
      })),
    };
  }

  /** Root: delete an account, its memberships and ownerships; an online holder is disconnected. */
  delete(actor: Member, name: string): Reply {
    const account = this.accounts.find(name);
    if (!account) throw new CommandError('NO_SUCH_USER', `No registered user is called ${name.slice(0, 24)}.`);
    const online = this.roster.named(account.name);
    const rooms = this.rooms.rooms;
    for (const room of rooms.roomsOf(account.name)) if (room !== rooms.lobby) this.rooms.announce(room, 'kick', account.name, actorName(actor));
    // They know the invite codes of their private rooms: new ones keep them from coming back.
    this.rooms.rotateInvitesOf(account.name);
    this.accounts.delete(account.name);
    this.follower.accountDeleted(account.name);
    const emptied = rooms.forget(account.name);
    this.logger.info('account deleted', { conn: actor.session.id, user: account.name, emptiedRooms: emptied.length });
    online?.session.fail('ACCOUNT_DELETED');
    return ACK;
  }

  /** Start an exchange on `session`: a login-work slot (the session's own address share), and the window. */
  private begin(session: Session, what: string): void {
    if (this.exchanges.has(session)) this.abandon(session);
    if (!this.passwords.work.acquire(session, true)) throw new CommandError('BUSY', `The server is busy with other logins; try the ${what} again in a moment.`);
    this.deadlines.set(session);
  }

  /** The exchange is over: its slot and window go. */
  private end(session: Session): void {
    this.exchanges.delete(session);
    this.deadlines.cancel(session);
    this.passwords.work.release(session);
  }

  /** An exchange left half-way (window passed, session ended, another one begun). */
  private abandon(session: Session): void {
    const exchange = this.exchanges.get(session);
    this.end(session);
    if (exchange?.kind === 'prove-old') this.failures.record(session.address, exchange.target);
  }

  private failedStep(session: Session, why: 'gone' | 'malformed'): Reply {
    this.end(session);
    if (why === 'gone') return { type: 'error', code: 'CONNECTION_LOST', message: 'The connection ended.' };
    throw new CommandError('BAD_MESSAGE', 'The password exchange message is malformed.');
  }
}
