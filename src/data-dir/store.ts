// The server's one database: SQLite via better-sqlite3, in the data dir, WAL mode with
// synchronous=NORMAL by default (a commit that returned survives a crash or kill of the server;
// 'full' fsyncs every commit to survive power loss too), foreign keys on, file mode 0600.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PartyPoolError } from '../common/errors.js';
import { migrations, type Migration } from './migrations.js';

export const DATABASE_FILE = 'party-pool.db';

export type Db = Database.Database;

export const DB_SYNC_LEVELS = ['normal', 'full'] as const;
export type DbSync = (typeof DB_SYNC_LEVELS)[number];
export type Statement = Database.Statement;

export class Store {
  private constructor(readonly db: Db) {}

  /**
   * Open (creating if needed) the database in `dataDir` and bring its schema up to date.
   * `sync`: 'normal' (WAL's default) makes every commit a write to the WAL file — it survives a
   * crash or kill of the server; 'full' also fsyncs each commit, surviving power loss too.
   */
  static open(dataDir: string, list: readonly Migration[] = migrations, sync: DbSync = 'normal'): Store {
    const file = path.join(dataDir, DATABASE_FILE);
    let db: Db;
    try {
      // Create the file owner-only before SQLite opens it with the process umask.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
      fs.chmodSync(file, 0o600);
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    }
    const store = new Store(db);
    store.migrate(list);
    for (const suffix of ['-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.chmodSync(file + suffix, 0o600);
    }
    return store;
  }

  private migrate(list: readonly Migration[]): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
    const applied = new Set(this.db.prepare('SELECT id FROM schema_migrations').pluck().all() as string[]);
    const record = this.db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
    for (const migration of list) {
      if (applied.has(migration.id)) continue;
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        record.run(migration.id, new Date().toISOString());
      })();
    }
  }

  /** Ids of applied migrations, in order applied. */
  appliedMigrations(): string[] {
    return this.db.prepare('SELECT id FROM schema_migrations ORDER BY rowid').pluck().all() as string[];
  }

  getSetting(key: string): string | undefined {
    const value: unknown = this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key);
    return typeof value === 'string' ? value : undefined;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
