// Every failed login passes here (wrong passkey, root password or account password): counted
// per address for `stats`, and enough of them from one address block it (login-blocks.ts).
import type { ServerStats } from '../moderation/stats.js';
import type { LoginBlocks } from './login-blocks.js';

export class LoginFailures {
  constructor(
    private readonly stats: ServerStats,
    private readonly blocks: LoginBlocks,
  ) {}

  /** A failed login from `address`. */
  record(address: string): void {
    this.stats.authFailed(address);
    if (this.blocks.failed(address)) this.stats.banned(address);
  }

  /** A successful login from `address`: its failure count starts again. */
  succeeded(address: string): void {
    this.blocks.succeeded(address);
  }
}
