// Who is logged in: every Member by name and by session, how many users each address has, and
// how many users there are (every login checks it). Connections not logged in are the listener's.
import { nameKey, nameSkeleton } from '../protocol/names.js';
import type { Member } from './session/member.js';
import type { Session } from './session/session.js';

export class Roster {
  private readonly byKey = new Map<string, Member>();
  private readonly bySession = new Map<Session, Member>();
  private readonly usersPerAddress = new Map<string, number>();
  /** Name keys online by confusable skeleton ("alice" and "aIice" share one), for look-alike checks. */
  private readonly bySkeleton = new Map<string, Set<string>>();
  /** User sessions per issued package (one friend's program; a per-account cap). */
  private readonly usersPerPackage = new Map<string, number>();
  private users = 0;

  /** Add a member who just logged in (the handshake checked that the name is free). */
  add(member: Member): void {
    this.byKey.set(member.key, member);
    this.bySession.set(member.session, member);
    this.indexSkeleton(member.key);
    if (member.role !== 'user') return;
    this.users += 1;
    this.usersPerAddress.set(member.session.address, (this.usersPerAddress.get(member.session.address) ?? 0) + 1);
    if (member.packageId !== undefined) this.usersPerPackage.set(member.packageId, (this.usersPerPackage.get(member.packageId) ?? 0) + 1);
  }

  /** Take a session's member out (it ended); returns it, if the session was logged in. */
  remove(session: Session): Member | undefined {
    const member = this.bySession.get(session);
    if (!member) return undefined;
    this.bySession.delete(session);
    if (this.byKey.get(member.key) === member) {
      this.byKey.delete(member.key);
      this.unindexSkeleton(member.key);
    }
    if (member.role === 'user') {
      this.users -= 1;
      const count = (this.usersPerAddress.get(session.address) ?? 1) - 1;
      if (count <= 0) this.usersPerAddress.delete(session.address);
      else this.usersPerAddress.set(session.address, count);
      if (member.packageId !== undefined) {
        const left = (this.usersPerPackage.get(member.packageId) ?? 1) - 1;
        if (left <= 0) this.usersPerPackage.delete(member.packageId);
        else this.usersPerPackage.set(member.packageId, left);
      }
    }
    return member;
  }

  /** Replace a member by the same person under `newName`; returns the new member. */
  rename(member: Member, newName: string): Member {
    const renamed = member.renamed(newName);
    if (this.byKey.get(member.key) === member) {
      this.byKey.delete(member.key);
      this.unindexSkeleton(member.key);
    }
    this.byKey.set(renamed.key, renamed);
    this.indexSkeleton(renamed.key);
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

  /** Someone online under another name that looks like `name` ("aIice" for "alice"), if anyone (`except`: a name key to overlook). */
  lookAlike(name: string, except?: string): Member | undefined {
    const key = nameKey(name);
    for (const other of this.bySkeleton.get(nameSkeleton(name)) ?? []) if (other !== key && other !== except) return this.byKey.get(other);
    return undefined;
  }

  /** User sessions logged in with issued package `packageId`. */
  usersOfPackage(packageId: string): number {
    return this.usersPerPackage.get(packageId) ?? 0;
  }

  private indexSkeleton(key: string): void {
    const skeleton = nameSkeleton(key);
    let keys = this.bySkeleton.get(skeleton);
    if (!keys) this.bySkeleton.set(skeleton, (keys = new Set()));
    keys.add(key);
  }

  private unindexSkeleton(key: string): void {
    const skeleton = nameSkeleton(key);
    const keys = this.bySkeleton.get(skeleton);
    keys?.delete(key);
    if (keys?.size === 0) this.bySkeleton.delete(skeleton);
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
