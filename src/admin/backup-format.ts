// The backup file: a gzipped tar holding manifest.json and a copy of the data directory's entries.
// The manifest names the Party Pool version, the database's schema migrations, the server key's
// fingerprint, and every entry with its size and SHA-256, so a restore can prove the copy whole
// before it writes anything where a server will run.
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_FORMAT = 'party-pool-backup';
export const BACKUP_FORMAT_VERSION = 1;

const entrySchema = z.object({
  /** Relative path inside the data directory ("/"-separated). */
  path: z.string().min(1).max(4096),
  type: z.enum(['file', 'dir']),
  /** How it was copied: a database through SQLite's backup API, or as it is. */
  copy: z.enum(['sqlite', 'file', 'dir']),
  bytes: z.int().min(0),
  /** Hex SHA-256 of a file's bytes ("" for a folder). */
  sha256: z.string().regex(/^([0-9a-f]{64})?$/),
});

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.iso.datetime(),
  partyPoolVersion: z.string().max(64),
  /** The database's applied migrations: a restore refuses a backup from a newer schema. */
  migrations: z.array(z.string().max(200)).max(10_000),
  fingerprint: z.string().max(200),
  entries: z.array(entrySchema).max(1_000_000),
  /** Entries copied that this version does not know (see data-dir/contents.ts). */
  unknown: z.array(z.string().max(4096)).max(1_000_000),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type BackupEntry = z.infer<typeof entrySchema>;
