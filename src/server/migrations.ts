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
];
