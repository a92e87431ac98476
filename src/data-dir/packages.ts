// The record of issued distribution packages, in the server's SQLite store. The package
// builder writes a record per package; logins that present a revoked package id are refused.
import type { PackageRecord } from '../protocol/messages.js';
import { PACKAGE_ID_PATTERN, type PackageKind } from '../protocol/sealed-file.js';
import type { Store } from './store.js';

export interface NewPackage {
  id: string;
  kind: PackageKind;
  platforms: readonly string[];
  version: string;
  createdAt: Date;
  note: string;
}

interface Row {
  id: string;
  kind: string;
  platforms: string;
  version: string;
  created_at: string;
  note: string;
  revoked_at: string | null;
}

export type PackageStatus = 'active' | 'revoked' | 'unknown';

function toRecord(row: Row): PackageRecord {
  return {
    id: row.id,
    kind: row.kind === 'root' ? 'root' : 'client',
    platforms: row.platforms.split(',').filter((p) => p.length > 0),
    version: row.version,
    createdAt: row.created_at,
    note: row.note,
    revokedAt: row.revoked_at,
  };
}

/** Issued packages: record, list, look up and revoke. */
export class PackageRegistry {
  constructor(private readonly store: Store) {}

  record(pkg: NewPackage): void {
    this.store.db
      .prepare('INSERT INTO packages (id, kind, platforms, version, created_at, note) VALUES (?, ?, ?, ?, ?, ?)')
      .run(pkg.id, pkg.kind, pkg.platforms.join(','), pkg.version, pkg.createdAt.toISOString(), pkg.note);
  }

  /** Newest first, at most `limit`; `total` counts every record. */
  list(limit: number): { packages: PackageRecord[]; total: number } {
    const rows = this.store.db.prepare('SELECT * FROM packages ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as Row[];
    const total = this.store.db.prepare('SELECT count(*) FROM packages').pluck().get() as number;
    return { packages: rows.map(toRecord), total };
  }

  get(id: string): PackageRecord | undefined {
    const row = this.store.db.prepare('SELECT * FROM packages WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  status(id: string): PackageStatus {
    const revoked: unknown = this.store.db.prepare('SELECT revoked_at FROM packages WHERE id = ?').pluck().get(id);
    if (revoked === undefined) return 'unknown';
    return revoked === null ? 'active' : 'revoked';
  }

  /** Mark revoked (keeping the first revocation time); false when no such package exists. */
  revoke(id: string, at: Date): boolean {
    const result = this.store.db.prepare('UPDATE packages SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at.toISOString(), id);
    return result.changes > 0;
  }
}

export interface PackageLoginVerdict {
  /** Set when the login must be refused. */
  refusal?: 'PACKAGE_REVOKED';
  /** The id to remember on the session (only well-formed ids). */
  id?: string;
  /** How the log names the package: the id, "<id> (unknown)" or "malformed". */
  logLabel?: string;
}

/**
 * Decide what a presented package id means for a login that already proved the passkey.
 * Unknown ids are accepted (packages issued from another copy of the data dir, a restored
 * backup) but logged so the admin can notice; revoked ids are refused.
 */
export function packageLoginVerdict(registry: PackageRegistry, packageId: string | undefined): PackageLoginVerdict {
  if (packageId === undefined) return {};
  if (!PACKAGE_ID_PATTERN.test(packageId)) return { logLabel: 'malformed' };
  const status = registry.status(packageId);
  if (status === 'revoked') return { refusal: 'PACKAGE_REVOKED', id: packageId, logLabel: packageId };
  return { id: packageId, logLabel: status === 'unknown' ? `${packageId} (unknown)` : packageId };
}
