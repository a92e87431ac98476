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
  {
    id: '200-accounts',
    sql: `
      CREATE TABLE accounts (
        name_key      TEXT PRIMARY KEY,      -- lower-cased name: names are unique case-insensitively
        name          TEXT NOT NULL,         -- as the user spells it
        password_hash TEXT NOT NULL,         -- scrypt$N$r$p$salt$hash, never the password
        created_at    INTEGER NOT NULL,      -- ms since the epoch
        last_seen_at  INTEGER
      ) STRICT;
    `,
  },
  {
    id: '201-rooms',
    sql: `
      CREATE TABLE rooms (
        id            INTEGER PRIMARY KEY,
        name_key      TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        owner_key     TEXT,                  -- NULL: #lobby, or a room whose owner is gone
        private       INTEGER NOT NULL CHECK (private IN (0, 1)),
        max_members   INTEGER,
        invite_code   TEXT UNIQUE,
        pruned_up_to  INTEGER NOT NULL DEFAULT 0,  -- highest message id retention removed
        created_at    INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE memberships (
        room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        member_key  TEXT NOT NULL,
        member_name TEXT NOT NULL,
        joined_at   INTEGER NOT NULL,
        PRIMARY KEY (room_id, member_key)
      ) STRICT;
      CREATE INDEX memberships_member ON memberships(member_key);
      INSERT INTO rooms (name_key, name, owner_key, private, created_at) VALUES ('#lobby', '#lobby', NULL, 0, 0);
    `,
  },
  {
    id: '202-messages',
    sql: `
      -- AUTOINCREMENT: ids are never reused, even after retention or a room deletion removed
      -- the newest rows, so "the last id I saw" stays meaningful for resume.
      CREATE TABLE messages (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id  INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        sender   TEXT NOT NULL,
        body     TEXT NOT NULL,
        sent_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX messages_room ON messages(room_id, id);
      CREATE INDEX messages_sent_at ON messages(sent_at);
    `,
  },
  {
    // Issue 6: how often each address was blocked for failed logins, so the doubling of the
    // block survives a restart (the block itself is a row in bans, created_by 'auto: …').
    // `blocked_until` is milliseconds since the epoch; a day after it the address starts afresh.
    id: '400-login-blocks',
    sql: `
      CREATE TABLE login_blocks (
        address       TEXT PRIMARY KEY,
        blocks        INTEGER NOT NULL CHECK (blocks >= 1),
        blocked_until INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Issue 11 (sec-limits): addresses (IPv4, or an IPv6 /64) that logged in successfully, and
    // whether a root did. They get the reserved pre-login slots while strangers hold the rest.
    id: '410-trusted-addresses',
    sql: `
      CREATE TABLE trusted_addresses (
        address       TEXT PRIMARY KEY,
        last_login_at INTEGER NOT NULL,
        root          INTEGER NOT NULL CHECK (root IN (0, 1))
      ) STRICT;
      CREATE INDEX trusted_addresses_last_login ON trusted_addresses (last_login_at);
    `,
  },
  {
    // Issue 11: each package's Ed25519 public key (base64; the private seed is sealed inside the
    // package and never stored here). NULL for packages issued before package keys existed.
    id: '420-package-keys',
    sql: `
      ALTER TABLE packages ADD COLUMN public_key TEXT;
    `,
  },
  {
    // Issue 11: account passwords by OPAQUE. `opaque_id` is the account's credential identifier
    // (random, so a rename keeps the record valid), `opaque_record` the registration record,
    // `stretching` the Argon2id parameters (JSON) the client used, `prehash` (JSON) the scrypt
    // parameters of an account migrated from a scrypt hash until its owner logs in again.
    // The server fills these from password_hash at start (accounts.ts) and empties password_hash.
    id: '421-opaque-accounts',
    sql: `
      ALTER TABLE accounts ADD COLUMN opaque_id TEXT;
      ALTER TABLE accounts ADD COLUMN opaque_record TEXT;
      ALTER TABLE accounts ADD COLUMN stretching TEXT;
      ALTER TABLE accounts ADD COLUMN prehash TEXT;
      CREATE UNIQUE INDEX accounts_opaque_id ON accounts (opaque_id);
    `,
  },
  {
    // Issue 11: failed logins per target ('root', 'account:<name key>', 'package:<id>'): how
    // many (decaying), the last one (ms since the epoch), and the sources that logged in to it
    // successfully (JSON: address -> last success), which skip its delay.
    id: '422-login-targets',
    sql: `
      CREATE TABLE login_targets (
        target        TEXT PRIMARY KEY,
        failures      INTEGER NOT NULL CHECK (failures >= 0),
        last_failure  INTEGER NOT NULL,
        known_good    TEXT NOT NULL DEFAULT '{}'
      ) STRICT;
    `,
  },
  {
    // Issue 13, direct messages (src/server/direct/). The server keeps only what routing needs:
    // device public keys, ciphertext, ids, names, times and sizes — never a readable body.
    // A message row stays while any device still has to fetch it (an envelope row) and at most
    // the retention time; `direct_pruned` remembers per device the highest seq retention removed
    // before it was fetched (so the login sync can say "truncated"). Names are lower-cased keys.
    id: '500-direct-messages',
    sql: `
      CREATE TABLE devices (
        id            TEXT PRIMARY KEY,          -- derived from the key (16 characters of base32)
        account_key   TEXT NOT NULL,
        public_key    TEXT NOT NULL UNIQUE,      -- X25519, base64url
        added_at      INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        removed_at    INTEGER                    -- /devices remove: this key is never registered again
      ) STRICT;
      CREATE INDEX devices_account ON devices(account_key);
      -- AUTOINCREMENT: seq is each device's resume cursor and is never reused.
      CREATE TABLE direct_messages (
        seq                INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id         TEXT NOT NULL,        -- made by the sender; the same on every device
        sender_key         TEXT NOT NULL,
        sender_name        TEXT NOT NULL,
        sender_device      TEXT NOT NULL,
        sender_public_key  TEXT NOT NULL,
        recipient_key      TEXT NOT NULL,
        recipient_name     TEXT NOT NULL,
        sent_at            INTEGER NOT NULL,     -- server time, ms
        client_time        TEXT NOT NULL,        -- the sealed time
        file_id            TEXT,
        body               BLOB NOT NULL,        -- ciphertext
        UNIQUE (sender_device, message_id)
      ) STRICT;
      CREATE INDEX direct_messages_sent_at ON direct_messages(sent_at);
      CREATE INDEX direct_messages_sender ON direct_messages(sender_key);
      CREATE INDEX direct_messages_recipient ON direct_messages(recipient_key);
      CREATE TABLE direct_envelopes (
        device_id  TEXT NOT NULL,
        seq        INTEGER NOT NULL REFERENCES direct_messages(seq) ON DELETE CASCADE,
        owner_key  TEXT NOT NULL,                -- the device's account: whose stored budget it uses
        enc        BLOB NOT NULL,
        key        BLOB NOT NULL,                -- the content key, sealed to this device
        PRIMARY KEY (device_id, seq)
      ) STRICT;
      CREATE INDEX direct_envelopes_owner ON direct_envelopes(owner_key, seq);
      CREATE INDEX direct_envelopes_seq ON direct_envelopes(seq);
      CREATE TABLE direct_pruned (
        device_id  TEXT PRIMARY KEY,
        up_to      INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE direct_blocks (
        blocker_key   TEXT NOT NULL,
        blocked_key   TEXT NOT NULL,
        blocked_name  TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (blocker_key, blocked_key)
      ) STRICT;
    `,
  },
  {
    // File sharing (issue 14). One row per shared file (state 'ready') or upload in progress
    // ('partial'). The bytes live under files/ in the data dir, content-addressed by `sha256`
    // (several rows may share one blob). A file goes to a room (`room_id`) or to one person
    // (`recipient_key`): those are ciphertext, and `name` is '' (it travels in the direct message).
    id: '600-files',
    sql: `
      CREATE TABLE files (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        state         TEXT NOT NULL CHECK (state IN ('partial', 'ready')),
        uploader_key  TEXT NOT NULL,
        uploader      TEXT NOT NULL,
        room_id       INTEGER REFERENCES rooms(id) ON DELETE CASCADE,
        recipient_key TEXT,
        recipient     TEXT,
        name          TEXT NOT NULL,
        size          INTEGER NOT NULL CHECK (size >= 0),
        sha256        TEXT,                  -- declared (room files) or, once ready, measured
        created_at    INTEGER NOT NULL,      -- ms since the epoch: the offer
        updated_at    INTEGER NOT NULL,      -- the last progress of a partial upload
        shared_at     INTEGER,               -- when it was published
        CHECK ((room_id IS NULL) <> (recipient_key IS NULL))
      ) STRICT;
      CREATE INDEX files_room ON files (room_id, id);
      CREATE INDEX files_uploader ON files (uploader_key);
      CREATE INDEX files_recipient ON files (recipient_key);
      CREATE INDEX files_sha256 ON files (sha256);
      CREATE INDEX files_state ON files (state, updated_at);
    `,
  },
];
