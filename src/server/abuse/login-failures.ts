// Every failed login passes here (wrong passkey, root password or account password): counted
// per address for `stats`, and enough of them from one address block it (login-blocks.ts).
import type { ServerStats } from '../moderation/stats.js';
import { formatDuration } from '../moderation/durations.js';
import type { LoginBlock, LoginBlocks } from './login-blocks.js';

/** What the person whose failure set off a block reads: that their address is blocked now, and for how long. */
export function blockedText(block: LoginBlock): string {
  return `That was one failed login too many: your address is now blocked for ${formatDuration(block.durationMs)}. Ask an admin to unban it, or wait.`;
}

export class LoginFailures {
  constructor(
    private readonly stats: ServerStats,
    private readonly blocks: LoginBlocks,
  ) {}

  /** A failed login from `address`; the block it set off, if it was the one too many. */
  record(address: string): LoginBlock | undefined {
    this.stats.authFailed(address);
    const block = this.blocks.failed(address);
    if (block) this.stats.banned(address);
    return block;
  }

  /** A successful login from `address`: its failure count starts again. */
  succeeded(address: string): void {
    this.blocks.succeeded(address);
  }
}
