// Every schema change, in order, in one place. A migration is never edited once released:
// add a new one. Each runs in a transaction and is recorded in schema_migrations by id.

export interface Migration {
  /** Stable, unique and sortable: "NNN-what-it-does". */
  readonly id: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    id: '001-settings',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Root bans (issue 3). `target` is a lower-cased name, or an address / CIDR range in
    // canonical form; `expires_at` is milliseconds since the epoch, NULL for permanent.
    id: '100-bans',
    sql: `
      CREATE TABLE bans (
        kind       TEXT NOT NULL CHECK (kind IN ('name', 'address')),
        target     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        created_by TEXT NOT NULL,
        PRIMARY KEY (kind, target)
      ) STRICT;
      CREATE INDEX bans_expires_at ON bans (expires_at);
    `,
  },
  {
    // Issued distribution packages (issue 4): what each package id was issued for, and
    // whether it was revoked. Logins presenting a revoked id are refused.
    id: '300-packages',
    sql: `
      CREATE TABLE packages (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('client', 'root')),
        platforms  TEXT NOT NULL,
        version    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note       TEXT NOT NULL DEFAULT '',
        revoked_at TEXT
      ) STRICT;
      CREATE INDEX packages_created ON packages (created_at);
    `,
  },
];
