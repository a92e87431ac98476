// Every failed and every successful login passes here. A failure counts against its source (an
// address, or an IPv6 /64: enough of them block it, login-blocks.ts), against its target when it
// was a password or a package proof (the root password, an account, a package: delays for every
// source, login-targets.ts), and towards the server-wide rate (distributed-guessing.ts). A success
// clears its own target's count — it never clears another target's count, nor its source's own
// failures, which only age out: alternating wrong root passwords with a guest login no longer
// resets anything. Which addresses logged in lately is the connection guard's list
// (trusted-addresses.ts, kept in the database; the guard records each login): while many
// addresses guess at once, those are not slowed.
import type { ServerStats } from '../moderation/stats.js';
import { formatDuration } from '../moderation/durations.js';
import type { GuessingAlarm } from './distributed-guessing.js';
import type { LoginBlock, LoginBlocks } from './login-blocks.js';
import type { LoginTarget, LoginTargets } from './login-targets.js';
import type { TrustedAddresses } from './trusted-addresses.js';

/** What the person whose failure set off a block reads: that their address is blocked now, and for how long. */
export function blockedText(block: LoginBlock): string {
  return `That was one failed login too many: your address is now blocked for ${formatDuration(block.durationMs)}. Ask an admin to unban it, or wait.`;
}

export class LoginFailures {
  constructor(
    private readonly stats: ServerStats,
    private readonly blocks: LoginBlocks,
    readonly targets: LoginTargets,
    readonly guessing: GuessingAlarm,
    private readonly trusted: Pick<TrustedAddresses, 'isTrusted'>,
    private readonly now: () => number,
  ) {}

  /** A failed login from `address` (against `target`, when it was a password or a package proof); the block it set off, if it was the one too many. */
  record(address: string, target?: LoginTarget): LoginBlock | undefined {
    this.stats.authFailed(address);
    if (target) this.targets.failed(target, address);
    this.guessing.failed(address);
    const block = this.blocks.failed(address);
    if (block) this.stats.banned(address);
    return block;
  }

  /** A successful login from `address` (to `target`, when it proved a password; with a verified package). */
  succeeded(address: string, target?: LoginTarget, packageId?: string): void {
    if (target) this.targets.succeeded(target, address, packageId);
  }

  /** Whether `address` logged in successfully lately (not slowed while many addresses guess). */
  trusts(address: string): boolean {
    return this.trusted.isTrusted(address, this.now());
  }

  /** Before any password work on `target`: milliseconds an attempt from `address` must still wait (0: go ahead). */
  targetWait(target: LoginTarget, address: string, packageId?: string): number {
    return this.targets.waitFor(target, address, packageId);
  }

  /** Before a login's proof is checked: milliseconds to wait while distributed guessing slows unknown sources. */
  guessingWait(trusted: boolean): number {
    return this.guessing.admit(trusted);
  }
}
