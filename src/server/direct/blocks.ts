// `/block`: no direct messages from a name. A registered account's blocks are kept in the
// database (and follow a blocked person who renames); a guest's last for its session. A blocked
// sender is never told: the server acknowledges the message as usual and keeps nothing for the
// blocker (the sender's own other devices still get their copy).
import { nameKey } from '../../protocol/names.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { DirectStore } from './direct-store.js';

export class Blocks {
  /** A guest's blocks: name key -> name as written. */
  private readonly guests = new Map<Session, Map<string, string>>();

  constructor(
    private readonly store: DirectStore,
    private readonly accounts: Accounts,
    private readonly roster: Roster,
    private readonly clock: Clock,
  ) {}

  /** Whether `recipient` (an account, or an online guest) blocked `sender`. */
  blocks(recipient: { name: string; registered: boolean; online: Member | undefined }, sender: string): boolean {
    if (recipient.registered) return this.store.isBlocked(recipient.name, sender);
    const session = recipient.online?.session;
    return session !== undefined && (this.guests.get(session)?.has(nameKey(sender)) ?? false);
  }

  block(member: Member, name: string): Reply {
    if (nameKey(name) === member.key) throw new CommandError('INVALID_ARGUMENT', 'You cannot block yourself.');
    const account = this.accounts.find(name);
    const online = this.roster.named(name);
    const written = account?.name ?? (online?.role === 'user' ? online.name : undefined);
    if (written === undefined) throw new CommandError('NO_SUCH_USER', `Nobody is called ${name.slice(0, 24)} (not registered, not online).`);
    if (this.accounts.isRegistered(member.name)) this.store.block(member.name, written, this.clock.now());
    else this.guestBlocks(member.session).set(nameKey(written), written);
    return ACK;
  }

  unblock(member: Member, name: string): Reply {
    const removed = this.accounts.isRegistered(member.name) ? this.store.unblock(member.name, name) : (this.guests.get(member.session)?.delete(nameKey(name)) ?? false);
    if (!removed) throw new CommandError('NOT_BLOCKED', `You have not blocked ${name.slice(0, 24)}.`);
    return ACK;
  }

  /** `blocked`: the names this member blocked. */
  list(member: Member): Reply {
    const names = this.accounts.isRegistered(member.name) ? this.store.blockedBy(member.name) : [...(this.guests.get(member.session)?.values() ?? [])].sort((a, b) => a.localeCompare(b));
    return { type: 'result', title: 'Blocked', lines: names };
  }

  /** A guest's session ended: its blocks go with it. */
  departed(session: Session): void {
    this.guests.delete(session);
  }

  private guestBlocks(session: Session): Map<string, string> {
    let blocks = this.guests.get(session);
    if (!blocks) this.guests.set(session, (blocks = new Map<string, string>()));
    return blocks;
  }
}
