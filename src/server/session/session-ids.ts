// Session ids (conn=<id> in server.log, root#<id> in the audit trail and lockdown notes) never
// repeat across restarts, so "root#12" names one root session in all of a server's history. Ids
// are reserved in blocks in the settings table: one small write per block of connections, none
// per connection. A crash skips the rest of its block; ids stay unique, just not contiguous.
import type { Store } from '../../data-dir/store.js';

const SETTING_KEY = 'session_ids_reserved';

export class SessionIds {
  private next: number;
  private reservedUpTo: number;

  constructor(
    private readonly store: Store,
    private readonly block: number,
    /** A reservation the database would not take (a full disk): the ids go on, but may repeat after a restart. */
    private readonly onError: (error: unknown) => void,
  ) {
    const saved = Number(store.getSetting(SETTING_KEY) ?? '0');
    this.reservedUpTo = Number.isSafeInteger(saved) && saved > 0 ? saved : 0;
    this.next = this.reservedUpTo + 1;
    this.reserve();
  }

  /** The next id: unique for this data directory. */
  take(): number {
    if (this.next > this.reservedUpTo) this.reserve();
    return this.next++;
  }

  private reserve(): void {
    const upTo = this.next - 1 + this.block;
    try {
      this.store.setSetting(SETTING_KEY, String(upTo));
    } catch (error) {
      this.onError(error);
    }
    this.reservedUpTo = upTo;
  }
}
