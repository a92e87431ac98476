// Addresses (IPv6: /64 prefixes) that logged in successfully lately, server-wide. While many
// addresses guess at once (distributed-guessing.ts) logins from these are not slowed, and they
// may use the login work's reserve (login-work.ts). Kept in memory, least recently seen dropped
// first; the per-target record of good sources (login-targets.ts) survives restarts on its own.
import { rateKey } from './connection-guard.js';

export class TrustedSources {
  /** Insertion order is recency order: a success moves the source to the end. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxSources: number,
    private readonly forMs: number,
  ) {}

  /** A login from `address` succeeded (a guest's too: it proved the passkey). */
  succeeded(address: string, now: number): void {
    const key = rateKey(address);
    this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.maxSources) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
  }

  /** Whether `address` logged in successfully within the trust period. */
  trusts(address: string, now: number): boolean {
    const at = this.seen.get(rateKey(address));
    return at !== undefined && now - at < this.forMs;
  }

  get size(): number {
    return this.seen.size;
  }
}
