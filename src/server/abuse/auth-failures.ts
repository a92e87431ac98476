// Failed logins counted per address: wrong passkey, wrong root password and wrong account
// password all count the same. A minimal hook that per-address blocking builds on.

export type AuthFailureKind = 'passkey' | 'root' | 'account';

/** Addresses remembered at most; the oldest entry is forgotten first. */
const MAX_ADDRESSES = 10_000;

export class AuthFailures {
  private readonly counts = new Map<string, { total: number; byKind: Record<AuthFailureKind, number> }>();

  record(address: string, kind: AuthFailureKind): void {
    let entry = this.counts.get(address);
    if (!entry) {
      if (this.counts.size >= MAX_ADDRESSES) {
        const oldest = this.counts.keys().next();
        if (!oldest.done) this.counts.delete(oldest.value);
      }
      entry = { total: 0, byKind: { passkey: 0, root: 0, account: 0 } };
      this.counts.set(address, entry);
    }
    entry.total += 1;
    entry.byKind[kind] += 1;
  }

  /** Failures from `address` (of one kind, or all). */
  count(address: string, kind?: AuthFailureKind): number {
    const entry = this.counts.get(address);
    if (!entry) return 0;
    return kind ? entry.byKind[kind] : entry.total;
  }
}
