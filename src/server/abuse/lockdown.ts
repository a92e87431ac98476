// Lockdown: an emergency switch a root turns on when strangers have the passkey. While it is on,
// a user login is admitted only for a registered name that proves its password, or from an
// issued, unrevoked client package that proves its package key (issue 11: naming a package id
// proves nothing; packages issued before package keys prove nothing either). Everyone else is
// refused with LOCKDOWN. Root logins are never refused (someone has to turn it off; they still
// need the root password). The state is kept in the settings table, so a restart does not
// quietly open the doors again.
import { z } from 'zod';
import type { Store } from '../../data-dir/store.js';

const SETTING_KEY = 'lockdown';

export interface LockdownState {
  on: boolean;
  /** When it was last turned on or off (ms since the epoch), and by whom ("root#3"). */
  since: number;
  by: string;
}

const stateSchema = z.object({ on: z.boolean(), since: z.number(), by: z.string().max(64) });

export class Lockdown {
  private state: LockdownState = { on: false, since: 0, by: '' };

  constructor(private readonly store: Store) {}

  /** Read the persisted state (a damaged value counts as off, which the admin can see in `stats`). */
  load(): void {
    const raw = this.store.getSetting(SETTING_KEY);
    if (raw === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const parsed = stateSchema.safeParse(json);
    if (parsed.success) this.state = parsed.data;
  }

  get on(): boolean {
    return this.state.on;
  }

  get current(): LockdownState {
    return { ...this.state };
  }

  /** Turn lockdown on or off; it holds at once. Throws a storage error if it could not be saved. */
  set(on: boolean, by: string, now: number): void {
    this.state = { on, since: now, by };
    this.store.setSetting(SETTING_KEY, JSON.stringify(this.state));
  }

  /**
   * Whether a user login is admitted: always when off; when on, only a registered name (whose
   * password is then proven) or a client package that proved its key.
   */
  admits(login: { registered: boolean; verifiedPackage: boolean }): boolean {
    return !this.state.on || login.registered || login.verifiedPackage;
  }
}
