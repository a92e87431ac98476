// Registered names as people use them: the account side of a login (a wrong password counts as
// a failed login), /register, /password, /nick (the account, the room memberships and the
// roster follow the new name) and root's listing and deletion of accounts.
import { ErrorCodes } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { AuthMessage } from '../../protocol/messages.js';
import { checkName, nameKey } from '../../protocol/names.js';
import { blockedText, type LoginFailures } from '../abuse/login-failures.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import { actorName, type RoomService } from '../chat/room-service.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { Accounts, LoginCheck } from './accounts.js';

/** What else moves with an account or goes with it (direct messages' devices, mailboxes, blocks). */
export interface AccountFollower {
  /** Inside the rename's transaction. */
  renameRows(oldName: string, newName: string): void;
  accountDeleted(name: string): void;
}

export class AccountService {
  constructor(
    readonly accounts: Accounts,
    private readonly rooms: RoomService,
    private readonly roster: Roster,
    private readonly fanout: Fanout,
    private readonly failures: LoginFailures,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** Refuse names that are not registered (PARTY_POOL_REQUIRE_REGISTRATION). */
    private readonly requireRegistration: boolean,
    private readonly follower: AccountFollower,
    /** New accounts per address per day, and none below the disk reserve (issue 11). */
    private readonly quotas: StorageQuotas,
  ) {}

  isRegistered(name: string): boolean {
    return this.accounts.isRegistered(name);
  }

  /** Decide the account side of a user login; a wrong password is logged and counted. */
  async checkLogin(session: Session, auth: AuthMessage): Promise<LoginCheck> {
    // A registration that would succeed counts against the address's new accounts of the day.
    if (auth.register && auth.password !== undefined && !this.accounts.passwordProblem(auth.password) && !this.accounts.isRegistered(auth.name)) {
      const refusal = this.quotas.spend({ kind: 'accounts', address: session.address, amount: 1 });
      if (refusal) {
        this.logger.warn('registration refused', { conn: session.id, address: session.address, reason: refusal.code });
        return { ok: false, code: refusal.code };
      }
    }
    const check = await this.accounts.checkLogin({ name: auth.name, password: auth.password, register: auth.register }, this.requireRegistration, this.clock.now());
    if (!check.ok && check.code === 'PASSWORD_WRONG') {
      this.failures.record(session.address);
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: check.code });
    }
    if (check.ok && check.created) this.logger.info('account registered', { conn: session.id, user: auth.name });
    return check;
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

  async register(member: Member, password: string): Promise<Reply> {
    if (this.accounts.isRegistered(member.name)) throw new CommandError('ALREADY_REGISTERED', `${member.name} is already registered; /password changes its password.`);
    const problem = this.accounts.passwordProblem(password);
    if (problem) throw new CommandError(problem);
    if (this.accounts.lookAlikeOf(member.name) !== undefined) throw new CommandError('NAME_REGISTERED', `${member.name} looks too much like a registered name to be registered too; /nick to another name first.`);
    const refusal = this.quotas.spend({ kind: 'accounts', address: member.session.address, amount: 1 });
    if (refusal) throw new CommandError(refusal.code, refusal.message);
    if (!(await this.accounts.register(member.name, password, this.clock.now()))) throw new CommandError('NAME_REGISTERED');
    this.logger.info('account registered', { conn: member.session.id, user: member.name });
    return { type: 'account', event: 'registered', name: member.name };
  }

  /** `/password <old>`: is this the current password? A wrong one counts as a failed login, like a wrong old password in a change. */
  async checkCurrentPassword(member: Member, oldPassword: string): Promise<Reply> {
    await this.requireCurrentPassword(member, oldPassword);
    return { type: 'ack', text: 'That is your current password.' };
  }

  private async requireCurrentPassword(member: Member, oldPassword: string): Promise<void> {
    if (!this.accounts.isRegistered(member.name)) throw new CommandError('NOT_REGISTERED', 'Your name is not registered: /register sets a password.');
    if (!(await this.accounts.verify(member.name, oldPassword))) {
      const block = this.failures.record(member.session.address);
      this.logger.warn('password change refused', { conn: member.session.id, user: member.name, reason: 'OLD_PASSWORD_WRONG' });
      throw new CommandError('OLD_PASSWORD_WRONG', block ? `${ErrorCodes.OLD_PASSWORD_WRONG.message} ${blockedText(block)}` : undefined);
    }
  }

  async changePassword(member: Member, oldPassword: string, newPassword: string): Promise<Reply> {
    await this.requireCurrentPassword(member, oldPassword);
    const problem = this.accounts.passwordProblem(newPassword);
    if (problem) throw new CommandError(problem);
    await this.accounts.changePassword(member.name, newPassword);
    this.logger.info('password changed', { conn: member.session.id, user: member.name });
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
}
