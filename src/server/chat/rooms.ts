// Rooms and memberships: kept in memory for the hot path (who gets a message) and written
// through to SQLite so they survive restarts. #lobby is everyone's room and has no rows.
//
// Memberships belong to names. A registered name's memberships are its own; a guest's belong
// to the name too (whoever logs in as that guest name next is in the same public rooms), which
// is why creating rooms and joining invite-only rooms need a registered name.
import { LOBBY, isLobby, roomKey } from '../../protocol/rooms.js';
import { nameKey } from '../../protocol/names.js';
import type { Db, Statement } from '../../data-dir/store.js';

export interface Room {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  ownerKey: string | null;
  readonly private: boolean;
  readonly max: number | null;
  invite: string | null;
  /** Members by name key -> name as spelled (empty for #lobby: everyone is in it). */
  readonly members: Map<string, string>;
  /** The newest message id in this room (0: none yet). */
  lastId: number;
}

export interface NewRoom {
  name: string;
  ownerName: string;
  private: boolean;
  max: number | null;
  invite: string | null;
}

function field(row: unknown, key: string): unknown {
  return typeof row === 'object' && row !== null ? (Reflect.get(row, key) as unknown) : undefined;
}

export class Rooms {
  private readonly byKey = new Map<string, Room>();
  private readonly byInvite = new Map<string, Room>();
  readonly lobby: Room;
  private readonly insertRoom: Statement;
  private readonly deleteRoomRow: Statement;
  private readonly insertMember: Statement;
  private readonly deleteMember: Statement;
  private readonly setOwnerRow: Statement;
  private readonly setInviteRow: Statement;
  private readonly moveMemberships: Statement;
  private readonly dropMemberships: Statement;
  private readonly moveOwnership: Statement;

  constructor(
    private readonly db: Db,
    latestIds: Map<number, number>,
  ) {
    for (const row of db.prepare('SELECT * FROM rooms').all()) {
      const [id, key, name, owner, priv, max, invite] = ['id', 'name_key', 'name', 'owner_key', 'private', 'max_members', 'invite_code'].map((k) => field(row, k));
      if (typeof id !== 'number' || typeof key !== 'string' || typeof name !== 'string') continue;
      const room: Room = {
        id,
        key,
        name,
        ownerKey: typeof owner === 'string' ? owner : null,
        private: priv === 1,
        max: typeof max === 'number' ? max : null,
        invite: typeof invite === 'string' ? invite : null,
        members: new Map(),
        lastId: latestIds.get(id) ?? 0,
      };
      this.byKey.set(key, room);
      if (room.invite) this.byInvite.set(room.invite, room);
    }
    const byId = new Map([...this.byKey.values()].map((room) => [room.id, room]));
    for (const row of db.prepare('SELECT room_id, member_key, member_name FROM memberships ORDER BY joined_at').all()) {
      const [roomId, key, name] = ['room_id', 'member_key', 'member_name'].map((k) => field(row, k));
      if (typeof roomId === 'number' && typeof key === 'string' && typeof name === 'string') byId.get(roomId)?.members.set(key, name);
    }
    const lobby = this.byKey.get(LOBBY);
    if (!lobby) throw new Error('the #lobby row is missing from the database');
    this.lobby = lobby;
    this.insertRoom = db.prepare('INSERT INTO rooms (name_key, name, owner_key, private, max_members, invite_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteRoomRow = db.prepare('DELETE FROM rooms WHERE id = ?');
    this.insertMember = db.prepare('INSERT OR IGNORE INTO memberships (room_id, member_key, member_name, joined_at) VALUES (?, ?, ?, ?)');
    this.deleteMember = db.prepare('DELETE FROM memberships WHERE room_id = ? AND member_key = ?');
    this.setOwnerRow = db.prepare('UPDATE rooms SET owner_key = ? WHERE id = ?');
    this.setInviteRow = db.prepare('UPDATE rooms SET invite_code = ? WHERE id = ?');
    this.moveMemberships = db.prepare('UPDATE OR IGNORE memberships SET member_key = ?, member_name = ? WHERE member_key = ?');
    this.dropMemberships = db.prepare('DELETE FROM memberships WHERE member_key = ?');
    this.moveOwnership = db.prepare('UPDATE rooms SET owner_key = ? WHERE owner_key = ?');
  }

  get count(): number {
    return this.byKey.size;
  }

  find(name: string): Room | undefined {
    return this.byKey.get(roomKey(name));
  }

  findByInvite(code: string): Room | undefined {
    return this.byInvite.get(code);
  }

  all(): Room[] {
    return [...this.byKey.values()];
  }

  isMember(room: Room, name: string): boolean {
    return room === this.lobby || room.members.has(nameKey(name));
  }

  /** The rooms `name` is in: #lobby first, then by name. */
  roomsOf(name: string): Room[] {
    const key = nameKey(name);
    const mine = this.all().filter((room) => room !== this.lobby && room.members.has(key));
    return [this.lobby, ...mine.sort((a, b) => a.key.localeCompare(b.key))];
  }

  /** Rooms `name` owns. */
  ownedBy(name: string): number {
    const key = nameKey(name);
    let owned = 0;
    for (const room of this.byKey.values()) if (room.ownerKey === key) owned += 1;
    return owned;
  }

  /** Rooms besides #lobby that `name` belongs to. */
  membershipCount(name: string): number {
    return this.roomsOf(name).length - 1;
  }

  create(spec: NewRoom, now: number): Room {
    const ownerKey = nameKey(spec.ownerName);
    let room: Room | undefined;
    this.db.transaction(() => {
      const id = Number(this.insertRoom.run(roomKey(spec.name), spec.name, ownerKey, spec.private ? 1 : 0, spec.max, spec.invite, now).lastInsertRowid);
      this.insertMember.run(id, ownerKey, spec.ownerName, now);
      room = { id, key: roomKey(spec.name), name: spec.name, ownerKey, private: spec.private, max: spec.max, invite: spec.invite, members: new Map([[ownerKey, spec.ownerName]]), lastId: 0 };
    })();
    if (!room) throw new Error('room was not created');
    this.byKey.set(room.key, room);
    if (room.invite) this.byInvite.set(room.invite, room);
    return room;
  }

  addMember(room: Room, name: string, now: number): void {
    this.insertMember.run(room.id, nameKey(name), name, now);
    room.members.set(nameKey(name), name);
  }

  /**
   * Take `name` out of `room`. An owner who leaves hands the room to the longest-standing
   * registered member (or leaves it ownerless, for root to manage); an empty room is deleted.
   * Returns true when the room was deleted.
   */
  removeMember(room: Room, name: string, isRegistered: (name: string) => boolean): boolean {
    const key = nameKey(name);
    if (room.members.size <= 1 && room.members.has(key)) {
      this.delete(room);
      return true;
    }
    const heirKey = room.ownerKey === key ? ([...room.members].find(([memberKey, memberName]) => memberKey !== key && isRegistered(memberName))?.[0] ?? null) : room.ownerKey;
    this.db.transaction(() => {
      this.deleteMember.run(room.id, key);
      if (heirKey !== room.ownerKey) this.setOwnerRow.run(heirKey, room.id);
    })();
    room.members.delete(key);
    room.ownerKey = heirKey;
    return false;
  }

  /** Delete a room, its memberships and its history. */
  delete(room: Room): void {
    if (isLobby(room.name)) throw new Error('#lobby cannot be deleted');
    this.deleteRoomRow.run(room.id);
    this.byKey.delete(room.key);
    if (room.invite) this.byInvite.delete(room.invite);
  }

  /** Give a room a new invite code (the old one stops working). */
  setInvite(room: Room, code: string): void {
    this.setInviteRow.run(code, room.id);
    if (room.invite) this.byInvite.delete(room.invite);
    room.invite = code;
    this.byInvite.set(code, room);
  }

  /** Memberships and ownerships follow a renamed user. Run inside the caller's transaction. */
  renameMemberRows(oldName: string, newName: string): void {
    const [oldKey, newKey] = [nameKey(oldName), nameKey(newName)];
    this.moveMemberships.run(newKey, newName, oldKey);
    if (oldKey !== newKey) this.dropMemberships.run(oldKey);
    this.moveOwnership.run(newKey, oldKey);
  }

  /** The in-memory side of renameMemberRows, after its transaction committed. */
  renameMemberInMemory(oldName: string, newName: string): void {
    const [oldKey, newKey] = [nameKey(oldName), nameKey(newName)];
    for (const room of this.byKey.values()) {
      if (room.members.has(oldKey)) {
        room.members.delete(oldKey);
        room.members.set(newKey, newName);
      }
      if (room.ownerKey === oldKey) room.ownerKey = newKey;
    }
  }

  /** A deleted account keeps no rooms: memberships go, owned rooms become ownerless. Returns emptied rooms deleted. */
  forget(name: string): Room[] {
    const key = nameKey(name);
    const emptied: Room[] = [];
    this.db.transaction(() => {
      this.dropMemberships.run(key);
      this.moveOwnership.run(null, key);
    })();
    for (const room of [...this.byKey.values()]) {
      if (room.ownerKey === key) room.ownerKey = null;
      if (room.members.delete(key) && room.members.size === 0) {
        this.delete(room);
        emptied.push(room);
      }
    }
    return emptied;
  }
}

/** How a room is described on the wire: name, privacy, and its owner as spelled (if it has one). */
export function roomSummary(room: Room): { name: string; private: boolean; owner?: string } {
  const owner = room.ownerKey === null ? undefined : (room.members.get(room.ownerKey) ?? room.ownerKey);
  return { name: room.name, private: room.private, ...(owner === undefined ? {} : { owner }) };
}
