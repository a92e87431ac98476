// Rooms as people use them: look-ups that refuse with a reason, create, join (with recent
// history), leave, kick, delete, invite codes, listings, and the membership announcements.
// Refusals are thrown as CommandError; the dispatcher answers them with the request's id.
import type { Logger } from '../../common/logger.js';
import { randomToken } from '../../crypto/tokens.js';
import type { ServerMessageOf } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import { checkRoomName } from '../../protocol/rooms.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Outcome, type Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageQuotas } from '../storage/quotas.js';
import { Audience, type Fanout } from './fanout.js';
import type { HistoryReplay } from './history-replay.js';
import { roomSummary, type Room, type Rooms } from './rooms.js';

/** `who` names at most this many (online first): 1,000 names are well inside a frame. */
export const MEMBERS_SHOWN = 1000;

export interface RoomLimits {
  readonly maxRoomsPerUser: number;
  /** Rooms one account may own (issue 11: a few throwaway accounts must not take every room). */
  readonly maxRoomsOwnedPerUser: number;
  readonly maxRooms: number;
  readonly maxRoomCapacity: number;
}

export class RoomService {
  constructor(
    readonly rooms: Rooms,
    private readonly accounts: Accounts,
    private readonly roster: Roster,
    private readonly fanout: Fanout,
    private readonly replay: HistoryReplay,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: RoomLimits,
    /** Random bytes in an invite code. */
    private readonly inviteBytes: number,
    /** No new rooms below the disk reserve. */
    private readonly quotas: StorageQuotas,
  ) {}

  /** A room by name, or the refusal: bad name, no such room. */
  requireRoom(name: string): Room {
    const problem = checkRoomName(name);
    if (problem) throw new CommandError(problem, `"${name.slice(0, 40)}" is not a room name: rooms are "#" and 1-32 letters, digits, "-" or "_".`);
    const room = this.rooms.find(name);
    if (!room) throw this.noSuchRoom(name);
    return room;
  }

  /** The one answer for a room that does not exist or that the asker may not know of. */
  private noSuchRoom(name: string): CommandError {
    return new CommandError('NO_SUCH_ROOM', `There is no room ${name}.`);
  }

  /**
   * A room `member` may know exists: public rooms, the invite-only rooms they are in, every room
   * for root. An invite-only room is answered exactly like a room that does not exist, so nobody
   * learns its name by guessing (issue 11).
   */
  visibleRoom(member: Member, name: string): Room {
    const room = this.requireRoom(name);
    if (room.private && member.role !== 'root' && !this.rooms.isMember(room, member.name)) throw this.noSuchRoom(name);
    return room;
  }

  /** A room the member belongs to (root sessions see every room). */
  memberRoom(member: Member, name: string): Room {
    const room = this.visibleRoom(member, name);
    if (member.role !== 'root' && !this.rooms.isMember(room, member.name)) throw new CommandError('NOT_MEMBER', `You are not in ${room.name}.`);
    return room;
  }

  create(member: Member, name: string, options: { private: boolean; max: number | null }): Reply {
    const problem = checkRoomName(name);
    if (problem) throw new CommandError(problem, `"${name.slice(0, 40)}" is not a room name: rooms are "#" and 1-32 letters, digits, "-" or "_".`);
    this.requireRegistered(member, 'create rooms');
    const existing = this.rooms.find(name);
    if (existing) throw new CommandError('ROOM_EXISTS', `${existing.name} already exists.`);
    if (this.rooms.count - 1 >= this.limits.maxRooms) throw new CommandError('TOO_MANY_ROOMS', `The server already has ${this.limits.maxRooms} rooms, the most allowed.`);
    this.checkRoomAllowance(member);
    const owned = this.rooms.ownedBy(member.name);
    if (owned >= this.limits.maxRoomsOwnedPerUser) throw new CommandError('TOO_MANY_ROOMS', `You own ${owned} rooms, the most one person may own; /delete one you no longer need first.`);
    const diskLow = this.quotas.diskRefusal();
    if (diskLow) throw new CommandError(diskLow.code, diskLow.message);
    const invite = options.private ? randomToken(this.inviteBytes) : null;
    const room = this.rooms.create({ name, ownerName: member.name, private: options.private, max: options.max, invite }, this.clock.now());
    this.logger.info('room created', { conn: member.session.id, user: member.name, room: room.name, private: room.private });
    return joinedReply(room, true);
  }

  /** Join by name (public rooms) or invite code (invite-only rooms); recent history precedes `joined`. */
  join(member: Member, target: string): Outcome {
    let room: Room;
    if (target.startsWith('#')) {
      room = this.visibleRoom(member, target);
      if (this.rooms.isMember(room, member.name)) throw new CommandError('ALREADY_MEMBER', `You are already in ${room.name}.`);
    } else {
      const found = this.rooms.findByInvite(target);
      if (!found) throw new CommandError('INVITE_INVALID');
      room = found;
      this.requireRegistered(member, 'join invite-only rooms');
      if (this.rooms.isMember(room, member.name)) throw new CommandError('ALREADY_MEMBER', `You are already in ${room.name}.`);
    }
    if (room.max !== null && room.members.size >= room.max) throw new CommandError('ROOM_FULL', `${room.name} is full (${room.max} members).`);
    this.checkRoomAllowance(member);
    this.rooms.addMember(room, member.name, this.clock.now());
    const upTo = room.lastId;
    this.fanout.send(Audience.room(room, { except: member.session }), { type: 'membership', room: room.name, event: 'join', name: member.name, time: this.clock.iso() }, 'none');
    const joined = room;
    return { reply: { ...joinedReply(room, false), lastId: upTo }, before: () => this.replay.recent(member.session, joined, upTo, 'join') };
  }

  leave(member: Member, name: string): Reply {
    const room = this.visibleRoom(member, name);
    if (room === this.rooms.lobby) throw new CommandError('ROOM_FIXED', 'Everyone stays in #lobby; it cannot be left.');
    if (!this.rooms.isMember(room, member.name)) throw new CommandError('NOT_MEMBER', `You are not in ${room.name}.`);
    this.announce(room, 'leave', member.name);
    const deleted = this.rooms.removeMember(room, member.name, (name) => this.accounts.isRegistered(name));
    if (deleted) this.logger.info('room deleted', { room: room.name, reason: 'empty' });
    return ACK;
  }

  kick(member: Member, roomName: string, target: string): Reply {
    const room = this.visibleRoom(member, roomName);
    this.requireManager(member, room, 'kick people from');
    const targetName = room.members.get(nameKey(target));
    if (targetName === undefined) throw new CommandError('NOT_MEMBER', `${target.slice(0, 24)} is not in ${room.name}.`);
    if (nameKey(target) === member.key) throw new CommandError('INVALID_ARGUMENT', 'You cannot kick yourself; use /leave.');
    this.announce(room, 'kick', targetName, actorName(member));
    const deleted = this.rooms.removeMember(room, targetName, (name) => this.accounts.isRegistered(name));
    // The kicked member knows the invite code; a new one keeps them out.
    if (!deleted && room.private) this.rooms.setInvite(room, randomToken(this.inviteBytes));
    this.logger.info('room kick', { conn: member.session.id, user: member.name, room: room.name, target: targetName });
    return ACK;
  }

  delete(member: Member, roomName: string): Reply {
    const room = this.visibleRoom(member, roomName);
    this.requireManager(member, room, 'delete');
    this.announce(room, 'delete', room.name, actorName(member), member.session);
    this.rooms.delete(room);
    this.logger.info('room deleted', { conn: member.session.id, user: member.name, room: room.name });
    return ACK;
  }

  invite(member: Member, roomName: string): Reply {
    const room = this.memberRoom(member, roomName);
    if (!room.private || !room.invite) throw new CommandError('INVALID_ARGUMENT', `${room.name} is public: anyone can /join ${room.name}, no invite needed.`);
    return { type: 'invite', room: room.name, code: room.invite };
  }

  switchTo(member: Member, roomName: string): Reply {
    const room = this.memberRoom(member, roomName);
    return { type: 'switched', room: room.name };
  }

  /** Public rooms and the caller's own (root: every room), with member counts. */
  list(member: Member): Reply {
    const online = new Set(this.roster.userMembers().map((m) => m.key));
    const lobby = this.rooms.lobby;
    const visible = this.rooms.all().filter((room) => member.role === 'root' || !room.private || room.members.has(member.key));
    visible.sort((a, b) => (a === lobby ? -1 : b === lobby ? 1 : a.key.localeCompare(b.key)));
    return {
      type: 'rooms',
      rooms: visible.map((room) => {
        const isLobby = room === lobby;
        return {
          ...roomSummary(room),
          members: isLobby ? online.size : room.members.size,
          online: isLobby ? online.size : [...room.members.keys()].filter((key) => online.has(key)).length,
          joined: member.role === 'user' && this.rooms.isMember(room, member.name),
          ...(room.max === null ? {} : { max: room.max }),
        };
      }),
    };
  }

  /** Members of a room (public rooms: anyone may look; invite-only: members and root). #lobby: who is online. */
  who(member: Member, roomName: string): Reply {
    const room = this.visibleRoom(member, roomName);
    const onlineNames = this.roster.userMembers().map((m) => m.name);
    const online = new Set(onlineNames.map(nameKey));
    const members =
      room === this.rooms.lobby
        ? onlineNames.map((name) => ({ name, online: true, owner: false }))
        : [...room.members].map(([key, name]) => ({ name: this.roster.byNameKey(key)?.name ?? name, online: online.has(key), owner: room.ownerKey === key }));
    members.sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    // One reply must fit a frame, however many are online in #lobby (issue 11).
    if (members.length > MEMBERS_SHOWN) return { type: 'members', room: room.name, members: members.slice(0, MEMBERS_SHOWN), total: members.length };
    return { type: 'members', room: room.name, members };
  }

  /**
   * New invite codes for every invite-only room `name` is in: someone removed or banned from the
   * server knows those codes, and would otherwise register a new name and walk back in. Returns
   * the rooms whose code changed.
   */
  rotateInvitesOf(name: string): Room[] {
    const rotated = this.rooms.roomsOf(name).filter((room) => room.private && room.invite !== null);
    for (const room of rotated) this.rooms.setInvite(room, randomToken(this.inviteBytes));
    if (rotated.length > 0) this.logger.info('invite codes rotated', { user: name, rooms: rotated.map((room) => room.name).join(',') });
    return rotated;
  }

  /** Tell the room's online members (and `also`, if given) about a membership change. */
  announce(room: Room, event: ServerMessageOf<'membership'>['event'], name: string, by?: string, also?: Session): void {
    this.fanout.send(Audience.room(room, also ? { also } : {}), { type: 'membership', room: room.name, event, name, ...(by === undefined ? {} : { by }), time: this.clock.iso() }, 'none');
  }

  private requireRegistered(member: Member, what: string): void {
    if (!this.accounts.isRegistered(member.name)) throw new CommandError('NOT_REGISTERED', `Only registered names can ${what}: register yours with /register first.`);
  }

  private checkRoomAllowance(member: Member): void {
    if (this.rooms.membershipCount(member.name) >= this.limits.maxRoomsPerUser) {
      throw new CommandError('TOO_MANY_ROOMS', `You are in ${this.limits.maxRoomsPerUser} rooms besides #lobby, the most allowed; leave one first.`);
    }
  }

  /** The owner (or root) may kick and delete; for everyone else it is NOT_PERMITTED. */
  private requireManager(member: Member, room: Room, what: string): void {
    if (room === this.rooms.lobby) throw new CommandError('ROOM_FIXED', `#lobby is everyone's room: nobody can ${what} it.`);
    if (member.role === 'root') return;
    if (room.ownerKey !== member.key) throw new CommandError('NOT_PERMITTED', `Only the owner of ${room.name} (or root) can ${what} it.`);
  }
}

/** Who kicked or deleted, as members see it: root sessions appear as "root". */
export function actorName(member: Member): string {
  return member.role === 'root' ? 'root' : member.name;
}

function joinedReply(room: Room, withInvite: boolean): Omit<ServerMessageOf<'joined'>, 'ref'> {
  const { name, ...summary } = roomSummary(room);
  return {
    type: 'joined',
    room: name,
    ...summary,
    members: room.members.size,
    lastId: room.lastId,
    ...(room.max === null ? {} : { max: room.max }),
    ...(withInvite && room.invite ? { invite: room.invite } : {}),
  };
}
