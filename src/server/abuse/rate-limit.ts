// Abuse limits as small, clock-injected state machines, so tests move time instead of waiting.

/** A token bucket: `burst` tokens, refilled at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly ratePerSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Take one token if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Counts events per key in a sliding window; memory is bounded by `limit` timestamps per key. */
export class SlidingWindowCounter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Record one event for `key`; false when the key is already at its limit in the window. */
  hit(key: string, now: number): boolean {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    return true;
  }

  /** Drop keys with no events in the window (call periodically). */
  prune(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((t) => now - t >= this.windowMs)) this.hits.delete(key);
    }
  }

  get size(): number {
    return this.hits.size;
  }
}

export interface FailurePolicy {
  /** Failures within `windowMs` that trigger a block. */
  maxFailures: number;
  windowMs: number;
  firstBlockMs: number;
  maxBlockMs: number;
}

interface FailureState {
  failures: number[];
  /** How many blocks this address has earned (the next one doubles). */
  blocks: number;
}

/**
 * Per-address failed-login tracking: after `maxFailures` within the window the address is
 * blocked for `firstBlockMs`, doubling with each repeat up to `maxBlockMs`. Failures only age out
 * of the window: a success elsewhere never resets them (a guesser who sometimes succeeds, say
 * with a guest login, must not get its count back).
 */
export class FailureTracker {
  private readonly state = new Map<string, FailureState>();

  constructor(private readonly policy: FailurePolicy) {}

  /** Record a failure; returns the block length in ms when this failure triggers a block. */
  recordFailure(address: string, now: number): number | undefined {
    const entry = this.state.get(address) ?? { failures: [], blocks: 0 };
    entry.failures = entry.failures.filter((t) => now - t < this.policy.windowMs);
    entry.failures.push(now);
    this.state.set(address, entry);
    if (entry.failures.length < this.policy.maxFailures) return undefined;
    entry.failures = [];
    const blockMs = Math.min(this.policy.firstBlockMs * 2 ** entry.blocks, this.policy.maxBlockMs);
    entry.blocks += 1;
    return blockMs;
  }

  /** Restore how many blocks an address already earned (from the database, after a restart). */
  restoreBlocks(address: string, blocks: number): void {
    const entry = this.state.get(address) ?? { failures: [], blocks: 0 };
    entry.blocks = Math.max(entry.blocks, blocks);
    this.state.set(address, entry);
  }

  /** Forget an address entirely (its escalation has lapsed). */
  forget(address: string): void {
    this.state.delete(address);
  }

  prune(now: number): void {
    for (const [address, entry] of this.state) {
      if (entry.blocks === 0 && entry.failures.every((t) => now - t >= this.policy.windowMs)) this.state.delete(address);
    }
  }
}
