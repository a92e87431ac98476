// Bans on names and on addresses (single IPs or CIDR ranges), kept in the database so they
// survive a restart, and mirrored in memory so the check on every new connection touches no
// disk. Address bans live in a prefix trie per family: a check walks one path of at most 32
// (IPv4) or 128 (IPv6) bits however many bans there are. The database is read once at start;
// after that every change is applied to the table and to memory incrementally (a new ban is
// one upsert plus one trie insertion), and bans that run out leave in expiry order.
import { z } from 'zod';
import { nameKey, nameSkeleton } from '../../protocol/names.js';
import { parseAddress, parseIpRange, prefixKey, type IpFamily, type IpRange } from '../abuse/ip-range.js';
import { PrefixTrie } from '../abuse/prefix-trie.js';
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

/** Whether `ban` lasts longer than `other` (permanent beats timed). */
function outlasts(ban: Ban, other: Ban): boolean {
  if (other.expiresAt === null) return false;
  return ban.expiresAt === null || ban.expiresAt > other.expiresAt;
}

/** Bans that will expire, soonest first (a binary heap). Entries of replaced bans stay until popped and are skipped then. */
class ExpiryQueue {
  private readonly heap: Ban[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(ban: Ban): void {
    const heap = this.heap;
    heap.push(ban);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at(heap[parent]) <= at(ban)) break;
      heap[i] = heap[parent] as Ban;
      i = parent;
    }
    heap[i] = ban;
  }

  /** The soonest expiry, or Infinity. */
  peek(): number {
    return at(this.heap[0]);
  }

  pop(): Ban | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && at(heap[right]) < at(heap[left]) ? right : left;
      if (at(heap[child]) >= at(last)) break;
      heap[i] = heap[child] as Ban;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

function at(ban: Ban | undefined): number {
  return ban?.expiresAt ?? Infinity;
}

/** The canonical text an address ban is stored and found under ("::ffff:1.2.3.4" is "1.2.3.4"). */
function addressTarget(target: string): string {
  return parseIpRange(target)?.text ?? target;
}

/** One string per distinct creator: 65,536 auto-blocks share one "auto: failed logins". */
const creators = new Map<string, string>();
function shared(createdBy: string): string {
  const known = creators.get(createdBy);
  if (known !== undefined) return known;
  if (creators.size < 1000) creators.set(createdBy, createdBy);
  return createdBy;
}

export class BanList {
  private readonly names = new Map<string, Ban>();
  /** Name bans by confusable skeleton: a ban on "alice" holds for "aIice" and "a1ice" too. */
  private readonly nameSkeletons = new Map<string, Ban[]>();
  /** Address bans by canonical target (each also in the trie of its family). */
  private readonly addresses = new Map<string, Ban>();
  private readonly tries: Record<IpFamily, PrefixTrie<Ban>> = { ipv4: new PrefixTrie<Ban>(32), ipv6: new PrefixTrie<Ban>(128) };
  private readonly expiries = new ExpiryQueue();
  /** `list()`'s answer until the next change. */
  private sorted: Ban[] | undefined;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.load();
  }

  /** Add or replace a ban; `durationMs` undefined = permanent. */
  add(kind: BanKind, target: string, durationMs: number | undefined, createdBy: string): Ban {
    const now = this.now();
    const key = kind === 'name' ? nameKey(target) : addressTarget(target);
    const ban: Ban = { kind, target: key, createdAt: now, expiresAt: durationMs === undefined ? null : now + durationMs, createdBy: shared(createdBy) };
    this.db
      .prepare(
        `INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind, target) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, created_by = excluded.created_by`,
      )
      .run(ban.kind, ban.target, ban.createdAt, ban.expiresAt, ban.createdBy);
    this.put(ban);
    this.pruneIfDue();
    return ban;
  }

  /** Lift a ban; false when there was none. */
  remove(kind: BanKind, target: string): boolean {
    this.pruneIfDue();
    const key = kind === 'name' ? nameKey(target) : addressTarget(target);
    // A row written before targets were made canonical may hold the form as typed.
    const targets = key === target ? [key] : [key, target];
    const removed = this.db.prepare(`DELETE FROM bans WHERE kind = ? AND target IN (${targets.map(() => '?').join(', ')})`).run(kind, ...targets).changes > 0;
    const inMemory = this.forget(kind, key);
    return removed || inMemory;
  }

  /** Every ban still in force, permanent first, then soonest expiry first. */
  list(): Ban[] {
    this.pruneIfDue();
    this.sorted ??= [...this.names.values(), ...this.addresses.values()].sort(
      (a, b) => (a.expiresAt ?? -1) - (b.expiresAt ?? -1) || a.target.localeCompare(b.target),
    );
    return [...this.sorted];
  }

  /** The ban covering this address, if any (of several, the one that lasts longest). Called on every new connection: keep it cheap. */
  forAddress(address: string): Ban | undefined {
    this.pruneIfDue();
    if (this.addresses.size === 0) return undefined;
    const parsed = parseAddress(address);
    if (!parsed) return undefined;
    let best: Ban | undefined;
    this.tries[parsed.family].covering(prefixKey(parsed.bytes), (ban) => {
      if (!best || outlasts(ban, best)) best = ban;
    });
    return best;
  }

  /** The ban on this name, or on a name that looks like it (UTS #39 skeleton), if any. */
  forName(name: string): Ban | undefined {
    this.pruneIfDue();
    return this.names.get(nameKey(name)) ?? this.nameSkeletons.get(nameSkeleton(name))?.[0];
  }

  /** Bans in memory (names and addresses). */
  get size(): number {
    return this.names.size + this.addresses.size;
  }

  /** Mirror one ban in memory, replacing any ban on the same target (an address ban's target parsed as `range`). */
  private put(ban: Ban, range?: IpRange): void {
    if (ban.kind === 'name') {
      const replaced = this.names.get(ban.target);
      if (replaced) this.dropSkeleton(replaced);
      this.names.set(ban.target, ban);
      const skeleton = nameSkeleton(ban.target);
      this.nameSkeletons.set(skeleton, [...(this.nameSkeletons.get(skeleton) ?? []), ban]);
    } else {
      const parsed = range ?? parseIpRange(ban.target);
      if (!parsed) return;
      this.addresses.set(parsed.text, ban);
      this.tries[parsed.family].set(prefixKey(parsed.bytes), parsed.prefix, ban);
    }
    if (ban.expiresAt !== null) this.expiries.push(ban);
    this.sorted = undefined;
  }

  /** Drop the in-memory ban on `key` (canonical), if it is `only` (or any ban, without `only`). */
  private forget(kind: BanKind, key: string, only?: Ban): boolean {
    if (kind === 'name') {
      const ban = this.names.get(key);
      if (!ban || (only && ban !== only)) return false;
      this.names.delete(key);
      this.dropSkeleton(ban);
    } else {
      const ban = this.addresses.get(key);
      const range = parseIpRange(key);
      if (!ban || (only && ban !== only) || !range) return false;
      this.addresses.delete(key);
      this.tries[range.family].delete(prefixKey(range.bytes), range.prefix);
    }
    this.sorted = undefined;
    return true;
  }

  private dropSkeleton(ban: Ban): void {
    const skeleton = nameSkeleton(ban.target);
    const left = (this.nameSkeletons.get(skeleton) ?? []).filter((other) => other !== ban);
    if (left.length === 0) this.nameSkeletons.delete(skeleton);
    else this.nameSkeletons.set(skeleton, left);
  }

  /** Bans whose time is up leave memory (in expiry order) and then the database, in one statement. */
  private pruneIfDue(): void {
    const now = this.now();
    if (this.expiries.peek() > now) return;
    while (this.expiries.peek() <= now) {
      const ban = this.expiries.pop();
      if (ban) this.forget(ban.kind, ban.target, ban);
    }
    this.deleteExpiredRows(now);
  }

  private deleteExpiredRows(now: number): void {
    try {
      this.db.prepare('DELETE FROM bans WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now);
    } catch {
      // A database that cannot write (full disk) can still be read: expired rows are skipped at load.
    }
  }

  /** Read the table once (at start), dropping expired rows. */
  private load(): void {
    const now = this.now();
    this.deleteExpiredRows(now);
    const rows = this.db.prepare('SELECT kind, target, created_at, expires_at, created_by FROM bans WHERE expires_at IS NULL OR expires_at > ?').all(now);
    for (const row of rows) {
      const parsed = banRowSchema.safeParse(row);
      if (!parsed.success) continue;
      const data = parsed.data;
      const range = data.kind === 'address' ? parseIpRange(data.target) : undefined;
      if (data.kind === 'address' && !range) continue;
      const target = range ? range.text : data.target;
      const ban: Ban = { kind: data.kind, target, createdAt: data.created_at, expiresAt: data.expires_at, createdBy: shared(data.created_by) };
      // Two rows for one address (one as typed, one canonical): the longer ban is the one in force.
      const existing = ban.kind === 'name' ? this.names.get(target) : this.addresses.get(target);
      if (existing && !outlasts(ban, existing)) continue;
      this.put(ban, range);
    }
  }
}
