// The record of issued distribution packages, in the server's SQLite store. The package
// builder writes a record per package; the server refuses logins that present a revoked id
// (server/login/admission.ts), checks the package proofs of the others against the public key
// recorded here (issue 11), and its root console lists and revokes them.
import { z } from 'zod';
import type { PackageRecord } from '../protocol/messages.js';
import type { PackageKind } from '../protocol/sealed-file.js';
import type { Store } from './store.js';

export interface NewPackage {
  id: string;
  kind: PackageKind;
  platforms: readonly string[];
  version: string;
  createdAt: Date;
  note: string;
  /** The package's Ed25519 public key (its seed is sealed inside the package); issue 11. */
  publicKey?: Buffer | undefined;
}

const rowSchema = z.object({
  id: z.string(),
  kind: z.string(),
  platforms: z.string(),
  version: z.string(),
  created_at: z.string(),
  note: z.string(),
  revoked_at: z.string().nullable(),
});
type Row = z.infer<typeof rowSchema>;

export type PackageStatus = 'active' | 'revoked' | 'unknown';

/** What the server checks a login's package proof against. */
export interface PackageCredential {
  kind: PackageKind;
  status: Exclude<PackageStatus, 'unknown'>;
  /** Undefined for packages issued before package keys (they prove nothing). */
  publicKey: Buffer | undefined;
}

const credentialSchema = z.object({ kind: z.string(), revoked_at: z.string().nullable(), public_key: z.string().nullable() });

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
      .prepare('INSERT INTO packages (id, kind, platforms, version, created_at, note, public_key) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(pkg.id, pkg.kind, pkg.platforms.join(','), pkg.version, pkg.createdAt.toISOString(), pkg.note, pkg.publicKey ? pkg.publicKey.toString('base64') : null);
  }

  /** The kind, status and public key of a recorded package; undefined for an id never issued here. */
  credential(id: string): PackageCredential | undefined {
    const row: unknown = this.store.db.prepare('SELECT kind, revoked_at, public_key FROM packages WHERE id = ?').get(id);
    if (row === undefined) return undefined;
    const parsed = credentialSchema.parse(row);
    return {
      kind: parsed.kind === 'root' ? 'root' : 'client',
      status: parsed.revoked_at === null ? 'active' : 'revoked',
      publicKey: parsed.public_key === null ? undefined : Buffer.from(parsed.public_key, 'base64'),
    };
  }

  /** Newest first, at most `limit`; `total` counts every record. */
  list(limit: number): { packages: PackageRecord[]; total: number } {
    const rows = this.store.db.prepare('SELECT * FROM packages ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit);
    const total = z.int().parse(this.store.db.prepare('SELECT count(*) FROM packages').pluck().get());
    return { packages: rows.map((row) => toRecord(rowSchema.parse(row))), total };
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
