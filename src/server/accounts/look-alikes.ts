// Registered names by confusable skeleton (UTS #39, protocol/names.ts), so a login, a /nick or a
// registration can be refused when it would look like someone else's registered name ("aIice"
// next to "alice") in one look-up. In memory: built from the accounts table at start, kept in
// step by every change of it.
import { nameKey, nameSkeleton } from '../../protocol/names.js';

export class LookAlikes {
  private readonly bySkeleton = new Map<string, Set<string>>();

  constructor(keys: Iterable<string>) {
    for (const key of keys) this.add(key);
  }

  add(name: string): void {
    const key = nameKey(name);
    const skeleton = nameSkeleton(key);
    let keys = this.bySkeleton.get(skeleton);
    if (!keys) this.bySkeleton.set(skeleton, (keys = new Set()));
    keys.add(key);
  }

  remove(name: string): void {
    const key = nameKey(name);
    const skeleton = nameSkeleton(key);
    const keys = this.bySkeleton.get(skeleton);
    keys?.delete(key);
    if (keys?.size === 0) this.bySkeleton.delete(skeleton);
  }

  /** A registered name (its key) other than `name` itself (and `except`) that looks like it, if any. */
  of(name: string, except?: string): string | undefined {
    const key = nameKey(name);
    for (const other of this.bySkeleton.get(nameSkeleton(key)) ?? []) if (other !== key && other !== except) return other;
    return undefined;
  }
}
