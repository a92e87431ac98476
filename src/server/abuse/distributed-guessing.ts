// The server-wide view of failed logins. Per-address blocks (login-blocks.ts) stop one guesser;
// many addresses guessing together (a botnet with the server's address) each stay under the
// per-address limit. When at least `guessingFailures` logins fail within a minute from at least
// `guessingAddresses` different addresses, the server is "under distributed guessing": roots are
// told (a notice, the log, `stats`), and logins from addresses that never logged in successfully
// are slowed to one per interval server-wide — refused with TRY_LATER before their proof is even
// checked, so the guessers' rate falls to that trickle. Addresses that logged in before, issued
// programs that prove their package key, and roots on the server's own machine are not slowed.
// It ends once no minute has crossed the threshold for `guessingCalmMs`.
import type { Logger } from '../../common/logger.js';
import type { LoginLimits } from '../../common/settings.js';
import { formatDuration } from '../moderation/durations.js';
import { rateKey } from './connection-guard.js';
import { TokenBucket } from './rate-limit.js';

type Policy = Pick<LoginLimits, 'guessingWindowMs' | 'guessingFailures' | 'guessingAddresses' | 'guessingIntervalMs' | 'guessingBurst' | 'guessingCalmMs'>;

/** What `stats` shows. */
export interface GuessingState {
  active: boolean;
  /** When the current (or last) episode began; 0 if never. */
  since: number;
  failuresInWindow: number;
  addressesInWindow: number;
  /** Logins slowed (refused with TRY_LATER) since start. */
  slowed: number;
  /** Episodes since start. */
  episodes: number;
}

/** The most failures remembered (each is a time and an address); more within a window count as many. */
const MAX_REMEMBERED = 10_000;

export class GuessingAlarm {
  private failures: { at: number; source: string }[] = [];
  private active = false;
  private since = 0;
  private lastCrossed = 0;
  private peak = { failures: 0, addresses: 0 };
  private bucket: TokenBucket;
  private slowed = 0;
  private episodes = 0;

  constructor(
    private readonly policy: Policy,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** Tell every root session (a server notice). */
    private readonly tellRoots: (text: string) => void,
  ) {
    this.bucket = new TokenBucket(policy.guessingBurst, 1000 / policy.guessingIntervalMs, now());
  }

  /** A failed login (any kind) from `address`. */
  failed(address: string): void {
    const now = this.now();
    this.failures.push({ at: now, source: rateKey(address) });
    if (this.failures.length > MAX_REMEMBERED) this.failures.splice(0, this.failures.length - MAX_REMEMBERED);
    const { failures, addresses } = this.window(now);
    if (failures < this.policy.guessingFailures || addresses < this.policy.guessingAddresses) return this.tick();
    this.lastCrossed = now;
    this.peak = { failures: Math.max(this.peak.failures, failures), addresses: Math.max(this.peak.addresses, addresses) };
    if (this.active) return;
    this.active = true;
    this.since = now;
    this.episodes += 1;
    this.bucket = new TokenBucket(this.policy.guessingBurst, 1000 / this.policy.guessingIntervalMs, now);
    const window = formatDuration(this.policy.guessingWindowMs);
    this.logger.warn('distributed guessing', { failures, addresses, window, top: this.topSources(now).join(', ') });
    this.tellRoots(
      `Distributed guessing: ${failures} failed logins from ${addresses} addresses within ${window}. Logins from addresses that never logged in here are slowed to one per ${formatDuration(this.policy.guessingIntervalMs)} until it stops; see stats.`,
    );
  }

  /**
   * Before a login's proof is checked: 0 when it may go ahead, else how long to wait. Only
   * untrusted logins are slowed, and only while guessing is going on.
   */
  admit(trusted: boolean): number {
    this.tick();
    if (!this.active || trusted) return 0;
    if (this.bucket.take(this.now())) return 0;
    this.slowed += 1;
    return this.policy.guessingIntervalMs;
  }

  /** End an episode that has calmed down (also called by the server's maintenance timer). */
  tick(): void {
    const now = this.now();
    if (!this.active || now - this.lastCrossed < this.policy.guessingCalmMs) return;
    this.active = false;
    const lasted = formatDuration(now - this.since);
    this.logger.warn('distributed guessing over', { lasted, peakFailures: this.peak.failures, peakAddresses: this.peak.addresses, slowed: this.slowed });
    this.tellRoots(`Distributed guessing is over (it lasted ${lasted}; at most ${this.peak.failures} failures from ${this.peak.addresses} addresses in a window). Logins are no longer slowed.`);
    this.peak = { failures: 0, addresses: 0 };
  }

  state(): GuessingState {
    this.tick();
    const { failures, addresses } = this.window(this.now());
    return { active: this.active, since: this.since, failuresInWindow: failures, addressesInWindow: addresses, slowed: this.slowed, episodes: this.episodes };
  }

  private window(now: number): { failures: number; addresses: number } {
    const start = now - this.policy.guessingWindowMs;
    let first = 0;
    while (first < this.failures.length && (this.failures[first]?.at ?? now) <= start) first += 1;
    if (first > 0) this.failures = this.failures.slice(first);
    return { failures: this.failures.length, addresses: new Set(this.failures.map((f) => f.source)).size };
  }

  private topSources(now: number): string[] {
    this.window(now);
    const counts = new Map<string, number>();
    for (const f of this.failures) counts.set(f.source, (counts.get(f.source) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([source, n]) => `${source} (${n})`);
  }
}
