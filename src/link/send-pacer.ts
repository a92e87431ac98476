// Line mode's manners: a script piping many lines would run into the server's flood limits
// (RATE_LIMITED, then FLOODING). The server announces its rates in `welcome`; this keeps a copy
// of each token bucket, one token short of the server's (network jitter can bunch lines up), and
// waits before sending whatever would be refused. Requests leave in the order they were queued.

export interface Rate {
  burst: number;
  ratePerSecond: number;
}

export type PacedKind = 'say' | 'command';

interface Bucket {
  tokens: number;
  burst: number;
  ratePerSecond: number;
  at: number;
}

/** Added to each computed wait, so the server's bucket has surely refilled. */
const MARGIN_MS = 25;

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export class SendPacer {
  private readonly buckets: Partial<Record<PacedKind, Bucket>> = {};
  private chain: Promise<void> = Promise.resolve();

  /** `limits` undefined (a root session, an older server): nothing is paced. */
  constructor(
    limits: Partial<Record<PacedKind, Rate>> | undefined,
    private readonly clock: PacerClock = realClock,
  ) {
    const now = clock.now();
    for (const kind of ['say', 'command'] as const) {
      const rate = limits?.[kind];
      if (rate) {
        const burst = Math.max(1, rate.burst - 1);
        this.buckets[kind] = { tokens: burst, burst, ratePerSecond: rate.ratePerSecond, at: now };
      }
    }
  }

  /** Run `send` once its kind is within the rate and everything queued before it has been sent. */
  schedule<T>(kind: PacedKind, send: () => T | PromiseLike<T>): Promise<T> {
    const turn = this.chain.then(() => this.takeToken(kind));
    this.chain = turn;
    return turn.then(send);
  }

  /** Resolves once everything queued so far has been sent. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async takeToken(kind: PacedKind): Promise<void> {
    const bucket = this.buckets[kind];
    if (!bucket) return;
    for (;;) {
      const now = this.clock.now();
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.ratePerSecond);
      bucket.at = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - bucket.tokens) / bucket.ratePerSecond) * 1000) + MARGIN_MS);
    }
  }
}
