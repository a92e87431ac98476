// The one way a message reaches more than one session: encoded once, the same bytes to every
// recipient, always through Delivery (so a session receiving history gets live traffic after
// it, in order). Protocol-1 sessions get the same frame, their own older form, or nothing.
import { encodeFrame } from '../../protocol/frame.js';
import type { ServerMessage } from '../../protocol/messages.js';
import type { Roster } from '../roster.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { Delivery } from './delivery.js';
import type { Room, Rooms } from './rooms.js';

/** Who a message is for. */
export type Audience =
  /** Every logged-in session, users and roots (but `except`). */
  | { readonly kind: 'everyone'; readonly except?: Session | undefined }
  /** Every logged-in user (no roots). */
  | { readonly kind: 'users' }
  /** Every root console. */
  | { readonly kind: 'roots' }
  /** A room's online members (#lobby: every user), but `except`, plus `also` if given. */
  | { readonly kind: 'room'; readonly room: Room; readonly except?: Session | undefined; readonly also?: Session | undefined }
  /** These sessions, logged in or not. */
  | { readonly kind: 'sessions'; readonly sessions: Iterable<Session> };

const users: Audience = { kind: 'users' };
const roots: Audience = { kind: 'roots' };

export const Audience = {
  everyone: (except?: Session): Audience => ({ kind: 'everyone', except }),
  users,
  roots,
  room: (room: Room, options: { except?: Session; also?: Session } = {}): Audience => ({ kind: 'room', room, ...options }),
  sessions: (sessions: Iterable<Session>): Audience => ({ kind: 'sessions', sessions }),
} as const;

/** What protocol-1 sessions get: the same message, nothing (it is protocol 2 only), or an older form of it. */
export type Legacy = 'same' | 'none' | ServerMessage;

export class Fanout {
  constructor(
    private readonly roster: Roster,
    private readonly rooms: Rooms,
    private readonly delivery: Delivery,
  ) {}

  /** Send `message` to `audience`; returns how many sessions it went to. Sessions below `minProtocol` get nothing. */
  send(audience: Audience, message: ServerMessage, legacy: Legacy = 'same', minProtocol = 1): number {
    const frames = new Frames(message, legacy, minProtocol);
    let count = 0;
    switch (audience.kind) {
      case 'everyone':
        for (const member of this.roster.members()) if (member.session !== audience.except) count += this.deliver(member.session, member.protocol, frames);
        return count;
      case 'users':
      case 'roots': {
        const role = audience.kind === 'users' ? 'user' : 'root';
        for (const member of this.roster.members()) if (member.role === role) count += this.deliver(member.session, member.protocol, frames);
        return count;
      }
      case 'room':
        return this.toRoom(audience.room, frames, audience.except, audience.also);
      case 'sessions':
        for (const session of audience.sessions) count += this.deliver(session, this.roster.memberOf(session)?.protocol ?? 1, frames);
        return count;
    }
  }

  private toRoom(room: Room, frames: Frames, except: Session | undefined, also: Session | undefined): number {
    let count = 0;
    if (room === this.rooms.lobby) {
      // Root consoles do not chat; they see notices and presence, not the lobby's lines.
      for (const member of this.roster.members()) if (member.role === 'user' && member.session !== except) count += this.deliver(member.session, member.protocol, frames);
    } else {
      for (const key of room.members.keys()) {
        const member: Member | undefined = this.roster.byNameKey(key);
        if (member && member.session !== except) count += this.deliver(member.session, member.protocol, frames);
      }
    }
    if (also && also !== except) {
      const member = this.roster.memberOf(also);
      const counted = room === this.rooms.lobby ? member?.role === 'user' : member !== undefined && room.members.has(member.key);
      if (!counted) count += this.deliver(also, member?.protocol ?? 1, frames);
    }
    return count;
  }

  private deliver(session: Session, protocol: number, frames: Frames): number {
    if (protocol < frames.minProtocol) return 0;
    const frame = protocol >= 2 ? frames.current : frames.legacy();
    if (!frame) return 0;
    this.delivery.deliver(session, frame);
    return 1;
  }
}

/** A message's frames, each encoded at most once, the older form only if someone needs it. */
class Frames {
  readonly current: Buffer;
  private older: Buffer | undefined;

  constructor(
    message: ServerMessage,
    private readonly legacyForm: Legacy,
    /** Sessions of an older protocol do not know this message at all (files: 3). */
    readonly minProtocol: number,
  ) {
    this.current = encodeFrame(message);
  }

  legacy(): Buffer | undefined {
    if (this.legacyForm === 'same') return this.current;
    if (this.legacyForm === 'none') return undefined;
    return (this.older ??= encodeFrame(this.legacyForm));
  }
}
