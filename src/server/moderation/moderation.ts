// Bans and kicks: who is refused (checked on every new connection and every login) and the
// actions that remove people. A ban is kept in the database (bans.ts); the refusal sentences
// say for how much longer it holds.
import { ErrorCodes, type ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { nameKey } from '../../protocol/names.js';
import { AUTO_BLOCK_BY } from '../abuse/login-blocks.js';
import { rangeContains, type IpRange } from '../abuse/ip-range.js';
import type { Clock } from '../clock.js';
import type { Roster } from '../roster.js';
import type { Member, Role } from '../session/member.js';
import type { BanList, Ban } from './bans.js';
import { formatDuration } from './durations.js';
import type { ShutdownCountdown } from './shutdown.js';
import type { ServerStats } from './stats.js';

export interface Refusal {
  code: ErrorCode;
  message: string;
}

/** "for another 1h 59m" / "permanently", for refusal sentences. */
export function banTerm(ban: Ban, now: number): string {
  return ban.expiresAt === null ? 'permanently' : `for another ${formatDuration(ban.expiresAt - now)}`;
}

export class Moderation {
  constructor(
    readonly bans: BanList,
    /** Per-address counts: connections, failed logins, bans. */
    readonly stats: ServerStats,
    private readonly roster: Roster,
    private readonly shutdown: ShutdownCountdown,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** Why `address` is refused, if a ban (or a block for failed logins) covers it. */
  addressRefusal(address: string): Refusal | undefined {
    const ban = this.bans.forAddress(address);
    if (!ban) return undefined;
    const now = this.clock.now();
    if (ban.createdBy === AUTO_BLOCK_BY) return { code: 'BANNED', message: `Too many failed logins from your address; it is blocked ${banTerm(ban, now)}.` };
    return { code: 'BANNED', message: `Your address is banned from this server ${banTerm(ban, now)}.` };
  }

  /** A TLS connection was accepted: count it, and return why it is refused if the address is banned. */
  connectionRefusal(address: string): Refusal | undefined {
    this.stats.connection(address);
    return this.addressRefusal(address);
  }

  /** After a valid proof: a banned address or name, or a user login during a pending shutdown, is refused. */
  loginRefusal(name: string, role: Role, address: string): Refusal | undefined {
    // The address may have been banned while this connection was still logging in.
    const addressBan = this.addressRefusal(address);
    if (addressBan) return addressBan;
    if (role !== 'user') return undefined; // a root may still log in, e.g. to cancel a shutdown
    const ban = this.bans.forName(name);
    if (ban) {
      const term = banTerm(ban, this.clock.now());
      if (ban.target === nameKey(name)) return { code: 'BANNED', message: `The name "${name}" is banned from this server ${term}.` };
      return { code: 'BANNED', message: `The name "${name}" looks like "${ban.target}", which is banned from this server ${term}.` };
    }
    const pending = this.shutdown.pending;
    if (pending) return { code: 'SERVER_SHUTTING_DOWN', message: `The server shuts down in ${formatDuration(pending.endsAt - this.clock.now())}; try again later.` };
    return undefined;
  }

  /** The user logged in under `name` (case-insensitive). */
  userNamed(name: string): Member | undefined {
    const member = this.roster.named(name);
    return member?.role === 'user' ? member : undefined;
  }

  /** Users connected from `address` (canonical form). */
  usersAt(address: string): Member[] {
    return this.roster.userMembers().filter((m) => m.session.address === address);
  }

  /** Disconnect a user; they are told `message`, everyone else sees them leave ("kicked"). */
  kick(member: Member, message: string = ErrorCodes.KICKED.message): void {
    this.logger.info('kicked', { conn: member.session.id, user: member.name, address: member.session.address });
    member.session.close({ code: 'KICKED', message });
  }

  /** Ban a name (logged in or not) and disconnect whoever uses it now. */
  banName(name: string, durationMs: number | undefined, by: string): { ban: Ban; removed: Member[] } {
    const ban = this.bans.add('name', name, durationMs, by);
    const member = this.userNamed(name);
    const removed = member ? [member] : [];
    for (const victim of removed) this.removeBanned(victim, `You were banned from this server ${banTerm(ban, this.clock.now())}.`);
    return { ban, removed };
  }

  /** Ban an address or range and disconnect every user inside it. */
  banAddress(range: IpRange, durationMs: number | undefined, by: string): { ban: Ban; removed: Member[] } {
    const ban = this.bans.add('address', range.text, durationMs, by);
    const removed = this.roster.userMembers().filter((m) => rangeContains(range, m.session.address));
    const counted = new Set<string>();
    if (!range.text.includes('/')) {
      this.stats.banned(range.text);
      counted.add(range.text);
    }
    for (const victim of removed) this.removeBanned(victim, `Your address was banned from this server ${banTerm(ban, this.clock.now())}.`, counted);
    return { ban, removed };
  }

  private removeBanned(member: Member, message: string, counted = new Set<string>()): void {
    const address = member.session.address;
    if (!counted.has(address)) {
      this.stats.banned(address);
      counted.add(address);
    }
    this.logger.info('banned', { conn: member.session.id, user: member.name, address });
    member.session.close({ code: 'BANNED', message });
  }
}
