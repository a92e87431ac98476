// Accounts, rooms and history, and what sessions see of them. The server calls in at a few
// points (login, logout, chat line); the room and account commands call the methods here.
// Refusals are thrown as CommandError, which the dispatcher answers with the request's id.
import type { Logger } from '../../common/logger.js';
import { randomToken } from '../../crypto/tokens.js';
import { encodeFrame } from '../../protocol/frame.js';
import type { AuthMessage, ServerMessage, ServerMessageOf } from '../../protocol/messages.js';
import { checkName, nameKey } from '../../protocol/names.js';
import { checkRoomName, isLobby, roomKey } from '../../protocol/rooms.js';
import { Accounts, type AccountOptions, type LoginCheck } from '../accounts/accounts.js';
import type { AuthFailureKind } from '../abuse/auth-failures.js';
import { CommandError } from '../commands/types.js';
import { Delivery } from './delivery.js';
import { HistoryStore, type HistoryOptions } from './history.js';
import { Rooms, type Room } from './rooms.js';
import type { Session } from '../session/session.js';
import type { Db } from '../../data-dir/store.js';

/** What the community needs from the server around it. */
export interface CommunityHost {
  readonly logger: Logger;
  readonly maxUnsentBytes: number;
  now(): number;
  /** Every logged-in session (users and root). */
  activeSessions(): Session[];
  liveSessions(): IterableIterator<Session>;
  /** The logged-in session with this name, if any. */
  sessionFor(name: string): Session | undefined;
  /** Move a logged-in session to a new name (the server's name index follows). */
  renameSession(session: Session, newName: string): void;
  recordAuthFailure(address: string, kind: AuthFailureKind): void;
  reportStorageFailure(what: string, error: unknown): void;
}

export interface CommunityOptions {
  accounts: AccountOptions;
  history: HistoryOptions & { onJoin: number; maxRequest: number; retentionIntervalMs: number; frameBudgetBytes: number };
  requireRegistration: boolean;
  maxRoomsPerUser: number;
  maxRooms: number;
  maxCapacity: number;
  inviteBytes: number;
}

/** Rows read from the database per step of a resume. */
const RESUME_BATCH = 500;

/** A chat line accepted and waiting for its commit. */
interface PendingLine {
  session: Session;
  ref: number;
  from: string;
  text: string;
  room: Room;
  at: number;
  done: () => void;
}

export class Community {
  readonly accounts: Accounts;
  readonly rooms: Rooms;
  readonly history: HistoryStore;
  readonly delivery: Delivery;
  private pending: PendingLine[] = [];

  constructor(
    private readonly host: CommunityHost,
    db: Db,
    readonly options: CommunityOptions,
  ) {
    this.accounts = new Accounts(db, options.accounts);
    this.history = new HistoryStore(db, options.history);
    this.rooms = new Rooms(db, this.history.latestIds());
    this.delivery = new Delivery(host.maxUnsentBytes, options.history.frameBudgetBytes);
  }

  /** Start background work (history retention). */
  start(): void {
    if (!this.history.enabled) {
      this.host.logger.info('history is off', { deletedMessages: this.history.clearedAtStart });
      return;
    }
    this.history.startRetention(this.options.history.retentionIntervalMs, () => this.host.now(), (error) => this.host.reportStorageFailure('retention', error));
  }

  async stop(): Promise<void> {
    await this.history.stop();
  }

  private isoNow(): string {
    return new Date(this.host.now()).toISOString();
  }

  // ---- login and logout ----------------------------------------------------------------

  /** Decide the account side of a user login; a wrong password is logged and counted. */
  async checkLogin(session: Session, auth: AuthMessage): Promise<LoginCheck> {
    const check = await this.accounts.checkLogin({ name: auth.name, password: auth.password, register: auth.register }, this.options.requireRegistration, this.host.now());
    if (!check.ok && check.code === 'PASSWORD_WRONG') {
      this.host.recordAuthFailure(session.address, 'account');
      this.host.logger.warn('login failed', { conn: session.id, address: session.address, reason: check.code });
    }
    if (check.ok && check.created) this.host.logger.info('account registered', { conn: session.id, user: auth.name });
    return check;
  }

  /**
   * After `welcome`: a protocol-2 user gets, per room, exactly the messages after the ids in
   * `resume`, or the recent ones; then `synced`. Live traffic waits until that is done.
   */
  async onLogin(session: Session, resume: AuthMessage['resume']): Promise<void> {
    const registered = session.role === 'user' && this.accounts.isRegistered(session.name);
    if (registered) this.touch(session.name);
    if (session.role !== 'user' || session.protocol < 2) return;
    // The snapshot is taken in the same tick as the login: everything up to here is history,
    // everything after arrives live (held until the history is out).
    const snapshot = this.rooms.roomsOf(session.name).map((room) => ({ room, upTo: room.lastId }));
    const resumeFrom = resume ? new Map(resume.map((entry) => [roomKey(entry.room), entry.lastId])) : undefined;
    await this.delivery.withHold(session, async () => {
      if (this.history.enabled) {
        for (const { room, upTo } of snapshot) {
          const from = resumeFrom?.get(room.key);
          if (from !== undefined) await this.sendMissed(session, room, from, upTo);
          else await this.sendRecent(session, room, upTo, 'recent');
        }
      }
      await this.delivery.drained(session);
      session.send({
        type: 'synced',
        rooms: snapshot.map(({ room, upTo }) => ({ ...this.roomSummary(room), lastId: upTo })),
        history: this.history.enabled,
        registered,
      });
    });
  }

  onLogout(session: Session): void {
    if (session.role === 'user' && this.accounts.isRegistered(session.name)) this.touch(session.name);
  }

  private touch(name: string): void {
    try {
      this.accounts.touch(name, this.host.now());
    } catch (error) {
      this.host.reportStorageFailure('accounts', error);
    }
  }

  /** Replay messages with from < id <= upTo, in order, in batches. */
  private async sendMissed(session: Session, room: Room, from: number, upTo: number): Promise<void> {
    const truncated = from < this.history.prunedUpTo(room.id);
    let cursor = from;
    for (let first = true; ; first = false) {
      const rows = this.history.after(room.id, cursor, upTo, RESUME_BATCH);
      const last = rows.at(-1);
      if (!last) {
        if (first && truncated) await this.delivery.sendPaced(session, this.delivery.historyFrames(room.name, 'resume', [], { truncated }, true));
        return;
      }
      await this.delivery.sendPaced(session, this.delivery.historyFrames(room.name, 'resume', rows, { truncated }, false));
      cursor = last.id;
      if (rows.length < RESUME_BATCH) return;
    }
  }

  /** The last `onJoin` messages up to `upTo`, if there are any. */
  private async sendRecent(session: Session, room: Room, upTo: number, reason: 'recent' | 'join'): Promise<void> {
    const rows = this.history.before(room.id, upTo + 1, this.options.history.onJoin);
    const first = rows[0];
    if (!first) return;
    await this.delivery.sendPaced(session, this.delivery.historyFrames(room.name, reason, rows, { more: this.history.hasBefore(room.id, first.id) }, false));
  }

  // ---- chat ----------------------------------------------------------------------------

  /**
   * A chat line: stored (when history is on) before it is sent to the room and acknowledged.
   * Lines that arrive in the same turn of the event loop, from any sessions, are committed
   * together (one fsync for all); each sender's next message waits for its line's commit,
   * so every session's replies stay in order.
   */
  post(session: Session, ref: number, text: string, roomName?: string): Promise<void> | void {
    let room: Room;
    try {
      // Protocol-1 clients cannot receive room traffic, so they cannot post into rooms either.
      if (roomName !== undefined && session.protocol < 2 && !isLobby(roomName)) throw new CommandError('CLIENT_TOO_OLD');
      room = roomName === undefined ? this.rooms.lobby : this.memberRoom(session, roomName);
    } catch (error) {
      if (error instanceof CommandError) return session.sendError(error.code, error.message || undefined, { ref });
      throw error;
    }
    return new Promise<void>((resolve) => {
      this.pending.push({ session, ref, from: session.name, text, room, at: this.host.now(), done: resolve });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  /** Store the waiting lines in one transaction, then send each to its room and acknowledge it. */
  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const answered = new Set<PendingLine>();
    const answer = (line: PendingLine, send: () => void): void => {
      answered.add(line);
      send();
    };
    try {
      // A room may have gone, or its sender been removed from it, since the line was accepted.
      const accepted = batch.filter((line) => {
        const refusal = this.rooms.find(line.room.name) !== line.room ? 'NO_SUCH_ROOM' : !this.rooms.isMember(line.room, line.from) ? 'NOT_MEMBER' : undefined;
        if (refusal) answer(line, () => line.session.sendError(refusal, undefined, { ref: line.ref }));
        return refusal === undefined;
      });
      let ids: number[];
      try {
        ids = this.history.appendMany(accepted.map((line) => ({ roomId: line.room.id, sender: line.from, body: line.text, sentAt: line.at })));
      } catch (error) {
        this.host.reportStorageFailure('history', error);
        for (const line of accepted) answer(line, () => line.session.sendError('STORAGE_FAILED', 'Your message could not be stored, so it was not sent; please try again.', { ref: line.ref }));
        return;
      }
      accepted.forEach((line, index) => {
        const id = ids[index] ?? 0;
        line.room.lastId = id;
        const time = new Date(line.at).toISOString();
        this.fanOut(line.room, { type: 'message', from: line.from, text: line.text, time, room: line.room.name, id }, { type: 'message', from: line.from, text: line.text, time });
        answer(line, () => line.session.send({ type: 'ack', ref: line.ref }));
      });
    } catch (error) {
      // This runs outside any session's error handling: a bug here must not end the server.
      this.host.logger.error('chat commit failed', { reason: error instanceof Error ? error.message : String(error) });
      for (const line of batch) if (!answered.has(line)) line.session.fail('INTERNAL', undefined, line.ref);
    } finally {
      for (const line of batch) line.done();
    }
  }

  /**
   * Send to the room's online members: encoded once per protocol version. #lobby reaches every
   * session; protocol-1 sessions get `legacy` (or nothing) instead.
   */
  private fanOut(room: Room, message: ServerMessage, legacy?: ServerMessage): void {
    const frame = encodeFrame(message);
    if (room === this.rooms.lobby) {
      let legacyFrame: Buffer | undefined;
      for (const session of this.host.liveSessions()) {
        // Root consoles do not chat; they see notices and presence, not the lobby's lines.
        if (session.role !== 'user') continue;
        if (session.protocol >= 2) this.delivery.deliver(session, frame);
        else if (legacy) session.sendFrame((legacyFrame ??= encodeFrame(legacy)));
      }
      return;
    }
    for (const key of room.members.keys()) {
      const session = this.host.sessionFor(key);
      if (session && session.protocol >= 2) this.delivery.deliver(session, frame);
    }
  }

  // ---- rooms ---------------------------------------------------------------------------

  /** A room by name, or the refusal: bad name, no such room. */
  requireRoom(name: string): Room {
    const problem = checkRoomName(name);
    if (problem) throw new CommandError(problem, `"${name.slice(0, 40)}" is not a room name: rooms are "#" and 1-32 letters, digits, "-" or "_".`);
    const room = this.rooms.find(name);
    if (!room) throw new CommandError('NO_SUCH_ROOM', `There is no room ${name}.`);
    return room;
  }

  /** A room the session belongs to (root sessions see every room). */
  memberRoom(session: Session, name: string): Room {
    const room = this.requireRoom(name);
    if (session.role !== 'root' && !this.rooms.isMember(room, session.name)) throw new CommandError('NOT_MEMBER', `You are not in ${room.name}.`);
    return room;
  }

  private requireRegistered(session: Session, what: string): void {
    if (!this.accounts.isRegistered(session.name)) throw new CommandError('NOT_REGISTERED', `Only registered names can ${what}: register yours with /register first.`);
  }

  private checkRoomAllowance(session: Session): void {
    if (this.rooms.membershipCount(session.name) >= this.options.maxRoomsPerUser) {
      throw new CommandError('TOO_MANY_ROOMS', `You are in ${this.options.maxRoomsPerUser} rooms besides #lobby, the most allowed; leave one first.`);
    }
  }

  private roomSummary(room: Room): { name: string; private: boolean; owner?: string } {
    const owner = room.ownerKey === null ? undefined : (room.members.get(room.ownerKey) ?? room.ownerKey);
    return { name: room.name, private: room.private, ...(owner === undefined ? {} : { owner }) };
  }

  private joinedReply(room: Room, ref: number, withInvite: boolean): ServerMessageOf<'joined'> {
    const { name, ...summary } = this.roomSummary(room);
    return {
      type: 'joined',
      ref,
      room: name,
      ...summary,
      members: room.members.size,
      lastId: room.lastId,
      ...(room.max === null ? {} : { max: room.max }),
      ...(withInvite && room.invite ? { invite: room.invite } : {}),
    };
  }

  createRoom(session: Session, ref: number, name: string, options: { private: boolean; max: number | null }): void {
    const problem = checkRoomName(name);
    if (problem) throw new CommandError(problem, `"${name.slice(0, 40)}" is not a room name: rooms are "#" and 1-32 letters, digits, "-" or "_".`);
    this.requireRegistered(session, 'create rooms');
    if (this.rooms.find(name)) throw new CommandError('ROOM_EXISTS', `${this.rooms.find(name)?.name ?? name} already exists.`);
    if (this.rooms.count - 1 >= this.options.maxRooms) throw new CommandError('TOO_MANY_ROOMS', `The server already has ${this.options.maxRooms} rooms, the most allowed.`);
    this.checkRoomAllowance(session);
    const invite = options.private ? randomToken(this.options.inviteBytes) : null;
    const room = this.rooms.create({ name, ownerName: session.name, private: options.private, max: options.max, invite }, this.host.now());
    this.host.logger.info('room created', { conn: session.id, user: session.name, room: room.name, private: room.private });
    session.send(this.joinedReply(room, ref, true));
  }

  /** Join by name (public rooms) or invite code (invite-only rooms); then recent history and `joined`. */
  async joinRoom(session: Session, ref: number, target: string): Promise<void> {
    let room: Room;
    if (target.startsWith('#')) {
      room = this.requireRoom(target);
      if (this.rooms.isMember(room, session.name)) throw new CommandError('ALREADY_MEMBER', `You are already in ${room.name}.`);
      if (room.private) throw new CommandError('ROOM_PRIVATE', `${room.name} is invite-only: join it with the invite code a member gives you.`);
    } else {
      const found = this.rooms.findByInvite(target);
      if (!found) throw new CommandError('INVITE_INVALID');
      room = found;
      this.requireRegistered(session, 'join invite-only rooms');
      if (this.rooms.isMember(room, session.name)) throw new CommandError('ALREADY_MEMBER', `You are already in ${room.name}.`);
    }
    if (room.max !== null && room.members.size >= room.max) throw new CommandError('ROOM_FULL', `${room.name} is full (${room.max} members).`);
    this.checkRoomAllowance(session);
    this.rooms.addMember(room, session.name, this.host.now());
    const upTo = room.lastId;
    const announcement = encodeFrame({ type: 'membership', room: room.name, event: 'join', name: session.name, time: this.isoNow() });
    for (const key of room.members.keys()) {
      const member = this.host.sessionFor(key);
      if (member && member !== session && member.protocol >= 2) this.delivery.deliver(member, announcement);
    }
    await this.delivery.withHold(session, async () => {
      if (this.history.enabled) await this.sendRecent(session, room, upTo, 'join');
      await this.delivery.drained(session);
      session.send({ ...this.joinedReply(room, ref, false), lastId: upTo });
    });
  }

  /** Tell the room's online members (and `also`, if given) about a membership change. */
  private announce(room: Room, event: ServerMessageOf<'membership'>['event'], name: string, by?: string, also?: Session): void {
    const frame = encodeFrame({ type: 'membership', room: room.name, event, name, ...(by === undefined ? {} : { by }), time: this.isoNow() });
    const recipients = new Set<Session>();
    for (const key of room.members.keys()) {
      const member = this.host.sessionFor(key);
      if (member) recipients.add(member);
    }
    if (also) recipients.add(also);
    for (const member of recipients) if (member.protocol >= 2) this.delivery.deliver(member, frame);
  }

  leaveRoom(session: Session, ref: number, name: string): void {
    const room = this.requireRoom(name);
    if (room === this.rooms.lobby) throw new CommandError('ROOM_FIXED', 'Everyone stays in #lobby; it cannot be left.');
    if (!this.rooms.isMember(room, session.name)) throw new CommandError('NOT_MEMBER', `You are not in ${room.name}.`);
    this.announce(room, 'leave', session.name);
    const deleted = this.rooms.removeMember(room, session.name, (member) => this.accounts.isRegistered(member));
    if (deleted) this.host.logger.info('room deleted', { room: room.name, reason: 'empty' });
    session.send({ type: 'ack', ref });
  }

  /** The owner (or root) may kick and delete; for everyone else it is NOT_PERMITTED. */
  private requireManager(session: Session, room: Room, what: string): void {
    if (room === this.rooms.lobby) throw new CommandError('ROOM_FIXED', `#lobby is everyone's room: nobody can ${what} it.`);
    if (session.role === 'root') return;
    if (room.ownerKey !== nameKey(session.name)) throw new CommandError('NOT_PERMITTED', `Only the owner of ${room.name} (or root) can ${what} it.`);
  }

  /** Who kicked or deleted, as members see it: root sessions appear as "root". */
  private actorName(session: Session): string {
    return session.role === 'root' ? 'root' : session.name;
  }

  kick(session: Session, ref: number, roomName: string, target: string): void {
    const room = this.requireRoom(roomName);
    this.requireManager(session, room, 'kick people from');
    const targetName = room.members.get(nameKey(target));
    if (targetName === undefined) throw new CommandError('NOT_MEMBER', `${target.slice(0, 24)} is not in ${room.name}.`);
    if (nameKey(target) === nameKey(session.name)) throw new CommandError('INVALID_ARGUMENT', 'You cannot kick yourself; use /leave.');
    this.announce(room, 'kick', targetName, this.actorName(session));
    const deleted = this.rooms.removeMember(room, targetName, (member) => this.accounts.isRegistered(member));
    // The kicked member knows the invite code; a new one keeps them out.
    if (!deleted && room.private) this.rooms.setInvite(room, randomToken(this.options.inviteBytes));
    this.host.logger.info('room kick', { conn: session.id, user: session.name, room: room.name, target: targetName });
    session.send({ type: 'ack', ref });
  }

  deleteRoom(session: Session, ref: number, roomName: string): void {
    const room = this.requireRoom(roomName);
    this.requireManager(session, room, 'delete');
    this.announce(room, 'delete', room.name, this.actorName(session), session);
    this.rooms.delete(room);
    this.host.logger.info('room deleted', { conn: session.id, user: session.name, room: room.name });
    session.send({ type: 'ack', ref });
  }

  invite(session: Session, ref: number, roomName: string): void {
    const room = this.memberRoom(session, roomName);
    if (!room.private || !room.invite) throw new CommandError('INVALID_ARGUMENT', `${room.name} is public: anyone can /join ${room.name}, no invite needed.`);
    session.send({ type: 'invite', ref, room: room.name, code: room.invite });
  }

  switchTo(session: Session, ref: number, roomName: string): void {
    const room = this.memberRoom(session, roomName);
    session.send({ type: 'switched', ref, room: room.name });
  }

  /** Public rooms and the caller's own (root: every room), with member counts. */
  listRooms(session: Session, ref: number): void {
    const online = new Set(this.host.activeSessions().filter((s) => s.role === 'user').map((s) => nameKey(s.name)));
    const visible = this.rooms.all().filter((room) => session.role === 'root' || !room.private || room.members.has(nameKey(session.name)));
    visible.sort((a, b) => (a === this.rooms.lobby ? -1 : b === this.rooms.lobby ? 1 : a.key.localeCompare(b.key)));
    session.send({
      type: 'rooms',
      ref,
      rooms: visible.map((room) => {
        const lobby = room === this.rooms.lobby;
        return {
          ...this.roomSummary(room),
          members: lobby ? online.size : room.members.size,
          online: lobby ? online.size : [...room.members.keys()].filter((key) => online.has(key)).length,
          joined: session.role === 'user' && this.rooms.isMember(room, session.name),
          ...(room.max === null ? {} : { max: room.max }),
        };
      }),
    });
  }

  /** Members of a room (public rooms: anyone may look; invite-only: members and root). #lobby: who is online. */
  who(session: Session, ref: number, roomName: string): void {
    const room = this.requireRoom(roomName);
    if (room.private && session.role !== 'root' && !this.rooms.isMember(room, session.name)) throw new CommandError('NOT_MEMBER', `${room.name} is invite-only and you are not in it.`);
    const onlineNames = this.host
      .activeSessions()
      .filter((s) => s.role === 'user')
      .map((s) => s.name);
    const online = new Set(onlineNames.map(nameKey));
    const members =
      room === this.rooms.lobby
        ? onlineNames.map((name) => ({ name, online: true, owner: false }))
        : [...room.members].map(([key, name]) => ({ name: this.host.sessionFor(key)?.name ?? name, online: online.has(key), owner: room.ownerKey === key }));
    members.sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    session.send({ type: 'members', ref, room: room.name, members });
  }

  /** Up to `count` messages before `before` (default: the newest), oldest first; the last frame answers `ref`. */
  async sendOlder(session: Session, ref: number, roomName: string, count: number, before: number | undefined): Promise<void> {
    const room = this.memberRoom(session, roomName);
    if (!this.history.enabled) throw new CommandError('HISTORY_OFF', 'This server keeps no history (the admin turned it off).');
    const rows = this.history.before(room.id, before ?? room.lastId + 1, count);
    const first = rows[0];
    const more = first ? this.history.hasBefore(room.id, first.id) : false;
    await this.delivery.sendPaced(session, this.delivery.historyFrames(room.name, 'older', rows, { ref, more }, true));
  }

  // ---- accounts ------------------------------------------------------------------------

  async register(session: Session, ref: number, password: string): Promise<void> {
    if (this.accounts.isRegistered(session.name)) throw new CommandError('ALREADY_REGISTERED', `${session.name} is already registered; /password changes its password.`);
    const problem = this.accounts.passwordProblem(password);
    if (problem) throw new CommandError(problem);
    if (!(await this.accounts.register(session.name, password, this.host.now()))) throw new CommandError('NAME_REGISTERED');
    this.host.logger.info('account registered', { conn: session.id, user: session.name });
    session.send({ type: 'account', ref, event: 'registered', name: session.name });
  }

  async changePassword(session: Session, ref: number, oldPassword: string, newPassword: string): Promise<void> {
    if (!this.accounts.isRegistered(session.name)) throw new CommandError('NOT_REGISTERED', 'Your name is not registered: /register sets a password.');
    if (!(await this.accounts.verify(session.name, oldPassword))) {
      this.host.recordAuthFailure(session.address, 'account');
      this.host.logger.warn('password change refused', { conn: session.id, user: session.name, reason: 'OLD_PASSWORD_WRONG' });
      throw new CommandError('OLD_PASSWORD_WRONG');
    }
    const problem = this.accounts.passwordProblem(newPassword);
    if (problem) throw new CommandError(problem);
    await this.accounts.changePassword(session.name, newPassword);
    this.host.logger.info('password changed', { conn: session.id, user: session.name });
    session.send({ type: 'account', ref, event: 'password-changed', name: session.name });
  }

  /** /nick: name rules, nobody online with it, not someone else's registered name. Memberships follow. */
  rename(session: Session, ref: number, newName: string): void {
    const oldName = session.name;
    const problem = checkName(newName);
    if (problem) throw new CommandError(problem);
    if (newName === oldName) throw new CommandError('INVALID_ARGUMENT', `You are already called ${oldName}.`);
    const sameKey = nameKey(newName) === nameKey(oldName);
    if (!sameKey && this.host.sessionFor(newName)) throw new CommandError('NAME_TAKEN');
    if (!sameKey && this.accounts.isRegistered(newName)) throw new CommandError('NAME_REGISTERED');
    const registered = this.accounts.isRegistered(oldName);
    this.accounts.transaction(() => {
      if (registered) this.accounts.renameAccount(oldName, newName);
      this.rooms.renameMemberRows(oldName, newName);
    });
    this.rooms.renameMemberInMemory(oldName, newName);
    this.host.renameSession(session, newName);
    this.host.logger.info('rename', { conn: session.id, from: oldName, to: newName });
    const time = this.isoNow();
    const frame = encodeFrame({ type: 'rename', from: oldName, to: newName, time });
    let legacy: Buffer | undefined;
    for (const other of this.host.activeSessions()) {
      if (other.protocol >= 2) this.delivery.deliver(other, frame);
      else other.sendFrame((legacy ??= encodeFrame({ type: 'notice', from: 'server', text: `${oldName} is now known as ${newName}.`, time })));
    }
    session.send({ type: 'ack', ref });
  }

  /** Root: registered accounts with when they were last seen. */
  listAccounts(session: Session, ref: number): void {
    session.send({
      type: 'accounts',
      ref,
      accounts: this.accounts.list().map((account) => ({
        name: account.name,
        created: new Date(account.createdAt).toISOString(),
        ...(account.lastSeenAt === null ? {} : { lastSeen: new Date(account.lastSeenAt).toISOString() }),
        online: this.host.sessionFor(account.name) !== undefined,
      })),
    });
  }

  /** Root: delete an account, its memberships and ownerships; an online holder is disconnected. */
  deleteAccount(session: Session, ref: number, name: string): void {
    const account = this.accounts.find(name);
    if (!account) throw new CommandError('NO_SUCH_USER', `No registered user is called ${name.slice(0, 24)}.`);
    const online = this.host.sessionFor(account.name);
    for (const room of this.rooms.roomsOf(account.name)) if (room !== this.rooms.lobby) this.announce(room, 'kick', account.name, this.actorName(session));
    this.accounts.delete(account.name);
    const emptied = this.rooms.forget(account.name);
    this.host.logger.info('account deleted', { conn: session.id, user: account.name, emptiedRooms: emptied.length });
    online?.fail('ACCOUNT_DELETED');
    session.send({ type: 'ack', ref });
  }
}
