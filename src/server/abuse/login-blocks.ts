// Blocking addresses that keep failing to log in. Wrong passkeys, root passwords and account
// passwords all count (per address, in a sliding window); once an address reaches the limit it
// gets an address ban created by "auto: failed logins", so the block persists across restarts,
// shows in `bans` and `stats`, is refused right after the TLS handshake like any ban, and a root
// can lift it with `unban`. A success does not reset the count (failures only age out of the
// window: issue 11). Each further block doubles, up to the maximum; how often an address
// was blocked is kept in the database too, and forgotten a maximum block length after the last
// block ended. An IPv6 /64 counts as one address here, as it does for the connection rate
// (one household gets a whole /64; blocking a single address in it would stop nobody).
import type { Logger } from '../../common/logger.js';
import { z } from 'zod';
import type { Ban, BanList } from '../moderation/bans.js';
import { formatDuration } from '../moderation/durations.js';
import { rateKey } from './rate-key.js';
import { FailureTracker, type FailurePolicy } from './rate-limit.js';
import type { Db } from '../../data-dir/store.js';

/** `created_by` of the bans this module creates. */
export const AUTO_BLOCK_BY = 'auto: failed logins';

/** What blocking needs around it: a log, the clock, and where storage failures are reported. */
export interface LoginBlocksDeps {
  readonly logger: Logger;
  now(): number;
  reportStorageFailure(what: string, error: unknown): void;
}

export interface LoginBlock {
  address: string;
  durationMs: number;
  /** 1 for the first block, 2 for the second (twice as long), ... */
  count: number;
}

const rowSchema = z.object({ address: z.string(), blocks: z.int().min(1), blocked_until: z.number() });

export class LoginBlocks {
  private readonly tracker: FailureTracker;
  /** Addresses blocked before: how often, and when the last block ends. */
  private readonly earned = new Map<string, { blocks: number; until: number }>();
  /** Blocks the database would not take (a failing disk): still enforced, until a restart. */
  private readonly unsaved = new Map<string, number>();
  /** Blocks since this server started (for `stats`). */
  blocksSinceStart = 0;

  constructor(
    private readonly host: LoginBlocksDeps,
    private readonly db: Db,
    private readonly bans: BanList,
    private readonly policy: FailurePolicy,
  ) {
    this.tracker = new FailureTracker(policy);
  }

  /** Read back how often addresses were blocked (after a restart), dropping lapsed records. */
  load(): void {
    const now = this.host.now();
    try {
      this.db.prepare('DELETE FROM login_blocks WHERE blocked_until < ?').run(now - this.policy.maxBlockMs);
    } catch (error) {
      this.host.reportStorageFailure('bans', error);
    }
    for (const row of this.db.prepare('SELECT address, blocks, blocked_until FROM login_blocks').all()) {
      const parsed = rowSchema.safeParse(row);
      if (!parsed.success) continue;
      this.earned.set(parsed.data.address, { blocks: parsed.data.blocks, until: parsed.data.blocked_until });
      this.tracker.restoreBlocks(parsed.data.address, parsed.data.blocks);
    }
  }

  /** A failed login from `from`; returns the block when this failure triggers one. */
  failed(from: string): LoginBlock | undefined {
    const now = this.host.now();
    // The IPv4 address, or the IPv6 /64 in CIDR form (which the ban list stores as a range).
    const address = rateKey(from);
    this.lapse(address, now);
    const durationMs = this.tracker.recordFailure(address, now);
    if (durationMs === undefined) return undefined;
    const target = address;
    const until = now + durationMs;
    const count = (this.earned.get(address)?.blocks ?? 0) + 1;
    this.earned.set(address, { blocks: count, until });
    this.blocksSinceStart += 1;
    try {
      // A longer ban already in force (a root's) is not shortened.
      const existing = this.bans.forAddress(target);
      if (!existing || (existing.expiresAt !== null && existing.expiresAt < until)) this.bans.add('address', target, durationMs, AUTO_BLOCK_BY);
      this.db
        .prepare('INSERT INTO login_blocks (address, blocks, blocked_until) VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET blocks = excluded.blocks, blocked_until = excluded.blocked_until')
        .run(address, count, until);
    } catch (error) {
      this.unsaved.set(address, until);
      this.host.reportStorageFailure('bans', error);
    }
    this.host.logger.warn('address blocked', { address, reason: 'failed logins', failures: this.policy.maxFailures, for: formatDuration(durationMs), block: count });
    return { address, durationMs, count };
  }

  /** A block the database did not take, still in force for `address`: milliseconds left. */
  unsavedBlock(address: string): number | undefined {
    if (this.unsaved.size === 0) return undefined;
    const key = rateKey(address);
    const until = this.unsaved.get(key);
    if (until === undefined) return undefined;
    const left = until - this.host.now();
    if (left > 0) return left;
    this.unsaved.delete(key);
    return undefined;
  }

  /** The ban behind a block, if `ban` is one. */
  static isAutoBlock(ban: Ban): boolean {
    return ban.createdBy === AUTO_BLOCK_BY;
  }

  /** Forget failure counts outside the window and escalations that have lapsed (called periodically). */
  prune(now: number): void {
    for (const address of [...this.earned.keys()]) this.lapse(address, now);
    this.tracker.prune(now);
  }

  /** A maximum block length after its last block ended, an address starts afresh. */
  private lapse(address: string, now: number): void {
    const entry = this.earned.get(address);
    if (!entry || now < entry.until + this.policy.maxBlockMs) return;
    this.earned.delete(address);
    this.tracker.forget(address);
    try {
      this.db.prepare('DELETE FROM login_blocks WHERE address = ?').run(address);
    } catch {
      // Harmless: load() drops lapsed rows at the next start.
    }
  }
}
