// Coming back after the connection dropped: exponential backoff with full jitter, so a crowd
// of clients that lost the same server does not return in step. Clock and randomness are
// injected, so tests move time instead of waiting.
export interface ReconnectOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** The random source for jitter, in [0, 1). */
  random: () => number;
  /** Wait this long (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReconnectHooks {
  /** Before each wait: attempt number (from 1), how long it waits, and why the attempt before it failed. */
  waiting: (attempt: number, waitMs: number, lastError: unknown) => void;
  /** Whether a failed attempt may be followed by another (false ends with that error). */
  mayRetry: (error: unknown) => boolean;
  /** Stop waiting and attempting (the person left). */
  stopped: () => boolean;
}

export class Reconnector {
  /** Ends the wait in progress at once (someone left): the loop then sees `stopped()`. */
  private wakeUp: (() => void) | undefined;

  constructor(private readonly options: ReconnectOptions) {}

  private realSleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Cut the current wait short (the caller has stopped; `run` returns without another attempt). */
  wake(): void {
    this.wakeUp?.();
    this.wakeUp = undefined;
  }

  /** The wait before an attempt whose backoff delay is `delay`: somewhere in [delay/2, delay]. */
  jittered(delay: number): number {
    return Math.round(delay / 2 + this.options.random() * (delay / 2));
  }

  /**
   * Run `attempt` until it succeeds (its value), the hooks say stop (undefined), or it fails in a
   * way that must not be retried (rejects with that error). The delay doubles up to the maximum.
   */
  async run<T>(attempt: () => Promise<T>, hooks: ReconnectHooks): Promise<T | undefined> {
    const sleep = this.options.sleep ?? ((ms: number) => this.realSleep(ms));
    let delay = this.options.initialDelayMs;
    let lastError: unknown;
    for (let count = 1; !hooks.stopped(); count++) {
      const wait = this.jittered(delay);
      hooks.waiting(count, wait, lastError);
      await sleep(wait);
      if (hooks.stopped()) return undefined;
      try {
        return await attempt();
      } catch (error) {
        if (!hooks.mayRetry(error)) throw error;
        lastError = error;
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
    return undefined;
  }
}
