// What a client knows about its rooms: which it is in, where plain lines go, and per room the
// newest message id it has seen (for resume) and the oldest (for paging back with /history).
import { LOBBY, roomKey } from '../protocol/rooms.js';
import type { ServerMessage } from '../protocol/messages.js';
import { quoteWords, splitWords } from '../protocol/words.js';

export interface RoomInfo {
  name: string;
  private: boolean;
  owner?: string | undefined;
}

/** What applying one server message changed. */
export interface RoomChange {
  /** The message to pass on (a history frame may lose messages already seen); undefined drops it. */
  message: ServerMessage | undefined;
  /** The room plain lines go to changed (switched, or the current room went away). */
  currentChanged: boolean;
}

export class RoomState {
  /** Where plain lines go. */
  current = LOBBY;
  readonly rooms = new Map<string, RoomInfo>([[LOBBY, { name: LOBBY, private: false }]]);
  private readonly lastIds = new Map<string, number>();
  private readonly oldestIds = new Map<string, number>();
  /** Per room, the oldest message of the last /history answer: where `/history more` goes on. */
  private readonly pageStarts = new Map<string, number>();
  historyEnabled = true;
  registered = false;

  /** The display name of a room this client is in, or the name as given. */
  displayName(room: string): string {
    return this.rooms.get(roomKey(room))?.name ?? room;
  }

  lastId(room: string): number | undefined {
    return this.lastIds.get(roomKey(room));
  }

  /** Resume points for the next login: every room we know the newest id of. */
  resumePoints(): { room: string; lastId: number }[] {
    return [...this.rooms.values()].flatMap((info) => {
      const lastId = this.lastIds.get(roomKey(info.name));
      return lastId === undefined ? [] : [{ room: info.name, lastId }];
    });
  }

  /**
   * `/history [n]` (the room's last n messages, again) and `/history more [n]` (the n before the
   * last answer's oldest, or before the oldest seen) as typed -> the wire form, with the current room.
   */
  historyArgs(args: string): string {
    const words = splitWords(args);
    if (!words || words.some((word) => word.startsWith('#') || word === '--before')) return args;
    const key = roomKey(this.current);
    const more = words[0]?.toLowerCase() === 'more';
    const from = more ? (this.pageStarts.get(key) ?? this.oldestIds.get(key)) : undefined;
    // The answer to this request says where the next `/history more` starts.
    this.pageStarts.delete(key);
    return quoteWords([this.current, ...(more ? words.slice(1) : words), ...(from === undefined ? [] : ['--before', String(from)])]);
  }

  private seen(room: string, id: number): void {
    const key = roomKey(room);
    this.lastIds.set(key, Math.max(this.lastIds.get(key) ?? 0, id));
    if (!this.oldestIds.has(key) || id < (this.oldestIds.get(key) ?? id)) this.oldestIds.set(key, id);
  }

  private forget(room: string): boolean {
    const key = roomKey(room);
    this.rooms.delete(key);
    this.lastIds.delete(key);
    this.oldestIds.delete(key);
    this.pageStarts.delete(key);
    if (roomKey(this.current) === key) {
      this.current = LOBBY;
      return true;
    }
    return false;
  }

  /** Track what a server message says about rooms; drop what was already seen. */
  apply(message: ServerMessage, self: string): RoomChange {
    const unchanged: RoomChange = { message, currentChanged: false };
    switch (message.type) {
      case 'message': {
        if (message.room === undefined || message.id === undefined) return unchanged;
        const last = this.lastId(message.room);
        if (last !== undefined && message.id <= last) return { message: undefined, currentChanged: false };
        this.seen(message.room, message.id);
        return unchanged;
      }
      case 'history': {
        if (message.reason === 'older' && message.messages.length > 0) {
          const key = roomKey(message.room);
          const first = Math.min(...message.messages.map((m) => m.id));
          this.pageStarts.set(key, Math.min(this.pageStarts.get(key) ?? first, first));
        }
        const last = this.lastId(message.room);
        const fresh = message.reason === 'older' || last === undefined ? message.messages : message.messages.filter((m) => m.id > last);
        for (const m of fresh) this.seen(message.room, m.id);
        if (fresh.length === message.messages.length) return unchanged;
        return { message: { ...message, messages: fresh }, currentChanged: false };
      }
      case 'synced': {
        this.historyEnabled = message.history;
        this.registered = message.registered;
        const keep = new Set(message.rooms.map((room) => roomKey(room.name)));
        let currentChanged = false;
        for (const key of [...this.rooms.keys()]) if (!keep.has(key)) currentChanged = this.forget(key) || currentChanged;
        for (const room of message.rooms) {
          this.rooms.set(roomKey(room.name), { name: room.name, private: room.private, owner: room.owner });
          const key = roomKey(room.name);
          this.lastIds.set(key, Math.max(this.lastIds.get(key) ?? 0, room.lastId));
        }
        return { message, currentChanged };
      }
      case 'joined': {
        const key = roomKey(message.room);
        this.rooms.set(key, { name: message.room, private: message.private, owner: message.owner });
        this.lastIds.set(key, Math.max(this.lastIds.get(key) ?? 0, message.lastId));
        return unchanged;
      }
      case 'switched': {
        const changed = roomKey(this.current) !== roomKey(message.room) || this.current !== message.room;
        this.current = message.room;
        return { message, currentChanged: changed };
      }
      case 'membership': {
        const mine = message.event === 'delete' || message.name.toLowerCase() === self.toLowerCase();
        if (message.event !== 'join' && mine) return { message, currentChanged: this.forget(message.room) };
        return unchanged;
      }
      case 'account':
        if (message.event === 'registered') this.registered = true;
        return unchanged;
      default:
        return unchanged;
    }
  }
}
