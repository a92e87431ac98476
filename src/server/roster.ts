// Who is logged in: every Member by name and by session, how many users each address has, and
// how many users there are (every login checks it). Connections not logged in are the listener's.
import { nameKey } from '../protocol/names.js';
import type { Member } from './session/member.js';
import type { Session } from './session/session.js';

export class Roster {
  private readonly byKey = new Map<string, Member>();
  private readonly bySession = new Map<Session, Member>();
  private readonly usersPerAddress = new Map<string, number>();
  private users = 0;

  /** Add a member who just logged in (the handshake checked that the name is free). */
  add(member: Member): void {
    this.byKey.set(member.key, member);
    this.bySession.set(member.session, member);
    if (member.role !== 'user') return;
    this.users += 1;
    this.usersPerAddress.set(member.session.address, (this.usersPerAddress.get(member.session.address) ?? 0) + 1);
  }

  /** Take a session's member out (it ended); returns it, if the session was logged in. */
  remove(session: Session): Member | undefined {
    const member = this.bySession.get(session);
    if (!member) return undefined;
    this.bySession.delete(session);
    if (this.byKey.get(member.key) === member) this.byKey.delete(member.key);
    if (member.role === 'user') {
      this.users -= 1;
      const count = (this.usersPerAddress.get(session.address) ?? 1) - 1;
      if (count <= 0) this.usersPerAddress.delete(session.address);
      else this.usersPerAddress.set(session.address, count);
    }
    return member;
  }

  /** Replace a member by the same person under `newName`; returns the new member. */
  rename(member: Member, newName: string): Member {
    const renamed = member.renamed(newName);
    if (this.byKey.get(member.key) === member) this.byKey.delete(member.key);
    this.byKey.set(renamed.key, renamed);
    this.bySession.set(member.session, renamed);
    return renamed;
  }

  /** The member behind a session, if it is logged in. */
  memberOf(session: Session): Member | undefined {
    return this.bySession.get(session);
  }

  /** The member called `name` (case-insensitive), user or root. */
  named(name: string): Member | undefined {
    return this.byKey.get(nameKey(name));
  }

  /** The member whose name key is `key`. */
  byNameKey(key: string): Member | undefined {
    return this.byKey.get(key);
  }

  /** Every member, iterated in place (fan-out allocates nothing per message). */
  members(): IterableIterator<Member> {
    return this.byKey.values();
  }

  /** Users only (roots excluded). */
  userMembers(): Member[] {
    const out: Member[] = [];
    for (const member of this.byKey.values()) if (member.role === 'user') out.push(member);
    return out;
  }

  /** Users online, by name. */
  userNames(): string[] {
    return this.userMembers()
      .map((m) => m.name)
      .sort((a, b) => a.localeCompare(b));
  }

  /** Members logged in, users and roots. */
  get size(): number {
    return this.byKey.size;
  }

  /** Users logged in (roots excluded). */
  get userCount(): number {
    return this.users;
  }

  /** Users logged in from `address`. */
  usersFrom(address: string): number {
    return this.usersPerAddress.get(address) ?? 0;
  }
}
