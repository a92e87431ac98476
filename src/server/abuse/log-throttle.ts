// Log lines about what strangers do (failed handshakes, throttled connections) are themselves
// a flood vector: at most one line per key per interval, with a count of what was skipped.

/** Keys remembered at most; beyond this the table starts afresh (it only saves log lines). */
const MAX_KEYS = 10_000;

export class LogThrottle {
  private readonly last = new Map<string, { at: number; skipped: number }>();

  constructor(private readonly intervalMs: number) {}

  /**
   * Whether a line for `key` may be logged at `now`. Returns the number of lines skipped since
   * the last one (0 or more) when it may, undefined when it should be skipped.
   */
  pass(key: string, now: number): number | undefined {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.skipped += 1;
      return undefined;
    }
    if (!entry && this.last.size >= MAX_KEYS) this.last.clear();
    this.last.set(key, { at: now, skipped: 0 });
    return entry?.skipped ?? 0;
  }

  /** Forget keys whose interval has passed (called periodically). */
  prune(now: number): void {
    for (const [key, entry] of this.last) if (now - entry.at >= this.intervalMs) this.last.delete(key);
  }
}
