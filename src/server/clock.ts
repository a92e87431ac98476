// The server's one clock, injected so tests move time instead of waiting.

export class Clock {
  constructor(private readonly source: () => number = Date.now) {}

  /** Milliseconds since the epoch. */
  now(): number {
    return this.source();
  }

  /** Now as the wire writes times: ISO 8601, UTC. */
  iso(): string {
    return new Date(this.source()).toISOString();
  }
}
