// Bans on names and on addresses (single IPs or CIDR ranges), kept in the database so they
// survive a restart, and mirrored in memory so the check on every new connection is a map
// look-up plus a prefix comparison per range ban, with no disk access.
import { z } from 'zod';
import { nameKey } from '../../protocol/names.js';
import { canonicalAddress, inRange, parseAddress, parseIpRange, type IpRange } from '../abuse/ip-range.js';
import type { Db } from '../../data-dir/store.js';

export type BanKind = 'name' | 'address';

export interface Ban {
  kind: BanKind;
  /** Lower-cased name, or canonical address / range. */
  target: string;
  createdAt: number;
  /** Milliseconds since the epoch; null = permanent. */
  expiresAt: number | null;
  createdBy: string;
}

const banRowSchema = z.object({
  kind: z.enum(['name', 'address']),
  target: z.string(),
  created_at: z.number(),
  expires_at: z.number().nullable(),
  created_by: z.string(),
});

/** Of several bans that apply, the one that lasts longest (permanent beats timed). */
function longest(bans: readonly Ban[]): Ban | undefined {
  let best: Ban | undefined;
  for (const ban of bans) {
    if (!best || ban.expiresAt === null || (best.expiresAt !== null && ban.expiresAt > best.expiresAt)) best = ban;
  }
  return best;
}

export class BanList {
  private names = new Map<string, Ban>();
  /** Single-address bans by canonical address. */
  private hosts = new Map<string, Ban>();
  /** Range bans (CIDR with a shorter prefix than a single host). */
  private ranges: { ban: Ban; range: IpRange }[] = [];
  /** The earliest expiry among loaded bans; the hot path prunes only once it has passed. */
  private nextExpiry = Infinity;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.reload();
  }

  /** Add or replace a ban; `durationMs` undefined = permanent. */
  add(kind: BanKind, target: string, durationMs: number | undefined, createdBy: string): Ban {
    const now = this.now();
    const ban: Ban = { kind, target: kind === 'name' ? nameKey(target) : target, createdAt: now, expiresAt: durationMs === undefined ? null : now + durationMs, createdBy };
    this.db
      .prepare(
        `INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, target) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, created_by = excluded.created_by`,
      )
      .run(ban.kind, ban.target, ban.createdAt, ban.expiresAt, ban.createdBy);
    this.reload();
    return ban;
  }

  /** Lift a ban; false when there was none. */
  remove(kind: BanKind, target: string): boolean {
    const key = kind === 'name' ? nameKey(target) : target;
    const removed = this.db.prepare('DELETE FROM bans WHERE kind = ? AND target = ?').run(kind, key).changes > 0;
    this.reload();
    return removed;
  }

  /** Every ban still in force, permanent first, then soonest expiry first. */
  list(): Ban[] {
    this.pruneIfDue();
    const all = [...this.names.values(), ...this.hosts.values(), ...this.ranges.map((r) => r.ban)];
    return all.sort((a, b) => (a.expiresAt ?? -1) - (b.expiresAt ?? -1) || a.target.localeCompare(b.target));
  }

  /** The ban covering this address, if any. Called on every new connection: keep it cheap. */
  forAddress(address: string): Ban | undefined {
    this.pruneIfDue();
    if (this.hosts.size === 0 && this.ranges.length === 0) return undefined;
    // Addresses from sockets are canonical already; anything else is rewritten once.
    let host = this.hosts.get(address);
    if (!host && address.includes(':') && this.hosts.size > 0) {
      const canonical = canonicalAddress(address);
      host = canonical === undefined ? undefined : this.hosts.get(canonical);
    }
    if (this.ranges.length === 0) return host;
    const parsed = parseAddress(address);
    if (!parsed) return host;
    const hits = host ? [host] : [];
    for (const { ban, range } of this.ranges) if (inRange(range, parsed)) hits.push(ban);
    return longest(hits);
  }

  /** The ban on this name, if any. */
  forName(name: string): Ban | undefined {
    this.pruneIfDue();
    return this.names.get(nameKey(name));
  }

  private pruneIfDue(): void {
    if (this.now() >= this.nextExpiry) this.reload();
  }

  /** Drop expired bans from the database, then rebuild the in-memory view. */
  private reload(): void {
    const now = this.now();
    try {
      this.db.prepare('DELETE FROM bans WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
    } catch {
      // A database that cannot write (full disk) can still be read: expired rows are skipped below.
    }
    const rows = this.db.prepare('SELECT kind, target, created_at, expires_at, created_by FROM bans WHERE expires_at IS NULL OR expires_at > ?').all(now);
    const names = new Map<string, Ban>();
    const hosts = new Map<string, Ban>();
    const ranges: { ban: Ban; range: IpRange }[] = [];
    let nextExpiry = Infinity;
    for (const row of rows) {
      const parsed = banRowSchema.safeParse(row);
      if (!parsed.success) continue;
      const ban: Ban = { kind: parsed.data.kind, target: parsed.data.target, createdAt: parsed.data.created_at, expiresAt: parsed.data.expires_at, createdBy: parsed.data.created_by };
      if (ban.expiresAt !== null) nextExpiry = Math.min(nextExpiry, ban.expiresAt);
      if (ban.kind === 'name') {
        names.set(ban.target, ban);
        continue;
      }
      const range = parseIpRange(ban.target);
      if (!range) continue;
      if (range.text.includes('/')) ranges.push({ ban, range });
      else hosts.set(range.text, ban);
    }
    this.names = names;
    this.hosts = hosts;
    this.ranges = ranges;
    this.nextExpiry = nextExpiry;
  }
}
