// Per-session flood control for logged-in users (root sessions are exempt): one token bucket for
// chat lines, a separate, more generous one for commands, and a count of rejections in a fixed
// window. A request over its bucket is refused (RATE_LIMITED) and not delivered; a session that
// keeps pushing after being told is disconnected (FLOODING). Checked once per request: a few
// arithmetic operations, no allocation.
import { TokenBucket } from './rate-limit.js';

export interface MessageLimits {
  messageRatePerSecond: number;
  messageBurst: number;
  commandRatePerSecond: number;
  commandBurst: number;
  /** More rejections than this within `floodWindowMs` means flooding. */
  floodMaxRejections: number;
  floodWindowMs: number;
}

export class MessageLimiter {
  private readonly says: TokenBucket;
  private readonly commands: TokenBucket;
  private windowStart = 0;
  private rejections = 0;

  constructor(
    private readonly limits: MessageLimits,
    now: number,
  ) {
    this.says = new TokenBucket(limits.messageBurst, limits.messageRatePerSecond, now);
    this.commands = new TokenBucket(limits.commandBurst, limits.commandRatePerSecond, now);
  }

  /** Take a token for one chat line; false when the session is over its rate. */
  allowSay(now: number): boolean {
    return this.says.take(now);
  }

  /** Take a token for one command; false when the session is over its rate. */
  allowCommand(now: number): boolean {
    return this.commands.take(now);
  }

  /** Count one refused request; true when the session has now refused too often (disconnect it). */
  rejected(now: number): boolean {
    if (now - this.windowStart >= this.limits.floodWindowMs) {
      this.windowStart = now;
      this.rejections = 0;
    }
    this.rejections += 1;
    return this.rejections > this.limits.floodMaxRejections;
  }
}
