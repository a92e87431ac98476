// Addresses that logged in successfully not long ago, and whether a root did: before a TCP
// connection has sent a byte, its source address is all the server knows, and "someone with the
// passkey logged in from here this month" is the one thing that tells a member from a stranger.
// They get the reserved pre-login slots (connection-guard.ts). Kept in the database (one row per
// address, rewritten at most once an hour per address) so a restart in the middle of an attack
// does not forget them; bounded, the least recently seen dropped first.
import type { Db, Statement } from '../../data-dir/store.js';
import { LOCAL_ADDRESSES, rateKey } from './rate-key.js';

export interface TrustOptions {
  /** How long a successful login keeps its address trusted. */
  readonly trustMs: number;
  /** Addresses remembered at most. */
  readonly maxAddresses: number;
}

interface Trust {
  lastLoginAt: number;
  /** A root logged in from here (within trustMs). */
  root: boolean;
  /** When the row was last written (rewrites are rate-limited). */
  savedAt: number;
}

/** A login from the same address rewrites its row at most this often. */
const REWRITE_MS = 3_600_000;

export { LOCAL_ADDRESSES } from './rate-key.js';

export class TrustedAddresses {
  /** Insertion order is recency order (a login moves its address to the end). */
  private readonly byKey = new Map<string, Trust>();
  private readonly upsert: Statement;
  private readonly remove: Statement;

  constructor(
    private readonly db: Db,
    private readonly options: TrustOptions,
    private readonly onStorageError: (error: unknown) => void,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO trusted_addresses (address, last_login_at, root) VALUES (?, ?, ?)
       ON CONFLICT (address) DO UPDATE SET last_login_at = excluded.last_login_at, root = excluded.root`,
    );
    this.remove = db.prepare('DELETE FROM trusted_addresses WHERE address = ?');
  }

  /** Read the table once, at start, dropping what has expired. */
  load(now: number): void {
    const cutoff = now - this.options.trustMs;
    try {
      this.db.prepare('DELETE FROM trusted_addresses WHERE last_login_at < ?').run(cutoff);
    } catch (error) {
      this.onStorageError(error);
    }
    const rows = this.db.prepare('SELECT address, last_login_at, root FROM trusted_addresses WHERE last_login_at >= ? ORDER BY last_login_at LIMIT ?').all(cutoff, this.options.maxAddresses);
    for (const row of rows) {
      const address: unknown = Reflect.get(row as object, 'address');
      const at: unknown = Reflect.get(row as object, 'last_login_at');
      const root: unknown = Reflect.get(row as object, 'root');
      if (typeof address === 'string' && typeof at === 'number') this.byKey.set(address, { lastLoginAt: at, root: root === 1, savedAt: at });
    }
  }

  /** A login succeeded from `address`. */
  loggedIn(address: string, role: 'user' | 'root', now: number): void {
    const key = rateKey(address);
    const known = this.byKey.get(key);
    const root = role === 'root' || (known !== undefined && known.root && now - known.lastLoginAt < this.options.trustMs);
    this.byKey.delete(key);
    const entry: Trust = { lastLoginAt: now, root, savedAt: known?.savedAt ?? 0 };
    this.byKey.set(key, entry);
    if (this.byKey.size > this.options.maxAddresses) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) {
        this.byKey.delete(oldest);
        this.write(() => this.remove.run(oldest));
      }
    }
    if (now - entry.savedAt >= REWRITE_MS || (root && !known?.root)) {
      entry.savedAt = now;
      this.write(() => this.upsert.run(key, now, root ? 1 : 0));
    }
  }

  /** Whether `address` (its IPv4 address or IPv6 /64) logged in successfully within the trust period. */
  isTrusted(address: string, now: number): boolean {
    if (LOCAL_ADDRESSES.has(address)) return true;
    const entry = this.byKey.get(rateKey(address));
    return entry !== undefined && now - entry.lastLoginAt < this.options.trustMs;
  }

  /** Whether a root is recognised at `address` before TLS: the server's own machine, or a recent root login from there. */
  isRootAddress(address: string, now: number): boolean {
    if (LOCAL_ADDRESSES.has(address)) return true;
    const entry = this.byKey.get(rateKey(address));
    return entry !== undefined && entry.root && now - entry.lastLoginAt < this.options.trustMs;
  }

  get size(): number {
    return this.byKey.size;
  }

  private write(work: () => unknown): void {
    try {
      work();
    } catch (error) {
      // Trust is a convenience under attack; a failed write costs it after a restart, nothing now.
      this.onStorageError(error);
    }
  }
}
