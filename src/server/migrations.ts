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
];
