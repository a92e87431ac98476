// The database seen from outside the server: opened beside a running server (WAL lets readers
// and one writer share it), copied online with SQLite's backup API, checked after a restore.
// Nothing here migrates the schema: that is the server's job at its next start.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { PartyPoolError } from '../common/errors.js';
import { migrations } from './migrations.js';
import type { Db } from './store.js';

/** Open an existing database for the tools (backup, export, offline admin): no schema change, waits out a busy writer. */
export function openExistingDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (!fs.existsSync(file)) throw new PartyPoolError('SERVER_NOT_SET_UP', `There is no database at ${file}; start the server once first, or pass the right --data-dir.`);
  try {
    const db = new Database(file, { fileMustExist: true, readonly: options.readonly ?? false });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
}

/**
 * Copy a live database to `destination` (mode 0600) with SQLite's online backup API: the copy
 * is one consistent snapshot even while the server commits chat lines. Returns its migrations.
 */
export async function copyDatabase(source: string, destination: string): Promise<string[]> {
  const db = openExistingDatabase(source);
  try {
    fs.closeSync(fs.openSync(destination, 'wx', 0o600));
    await db.backup(destination);
  } finally {
    db.close();
  }
  fs.chmodSync(destination, 0o600);
  const check = checkDatabase(destination);
  return check.migrations;
}

/** Make a copied database one self-contained file, integrity-check it and list its applied migrations; a damaged one throws BACKUP_INVALID. */
export function checkDatabase(file: string): { migrations: string[] } {
  let db: Db | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    // A copy is one self-contained file: no -wal or -shm beside it (the server turns WAL back on).
    db.pragma('journal_mode = DELETE');
    const result: unknown = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`integrity check: ${String(result).slice(0, 200)}`);
    const applied = db.prepare('SELECT id FROM schema_migrations ORDER BY rowid').pluck().all();
    return { migrations: applied.filter((id): id is string => typeof id === 'string') };
  } catch (error) {
    throw new PartyPoolError('BACKUP_INVALID', `The database copy ${file} is damaged: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  } finally {
    db?.close();
  }
}

/** Migrations in `applied` that this version does not know: a database from a newer Party Pool. */
export function unknownMigrations(applied: readonly string[]): string[] {
  const known = new Set(migrations.map((migration) => migration.id));
  return applied.filter((id) => !known.has(id));
}
