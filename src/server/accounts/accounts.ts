// Registered names: one OPAQUE registration record per account in the accounts table (issue 11).
// The server never sees a password: it keeps the record the client made, the Argon2id parameters
// the client stretched with, and a random credential id (what the record is bound to, so a rename
// keeps it valid). A registered name needs a login proof; everyone else is a guest.
//
// Accounts from before protocol 3 had scrypt hashes; at the first start of this version each is
// turned into a record over the hash itself ("prehash", see crypto/password.ts), without the
// password and without its owner, and the hash is dropped. A client that knows the password
// computes the same hash from the salt the server names and logs in; it then registers a fresh
// record with the password and full stretching, and the prehash is gone.
import { z } from 'zod';
import { MINIMAL_STRETCHING, registerLocally, type Stretching } from '../../crypto/opaque.js';
import { parseScryptHash, prehashInput, type ScryptPrehash } from '../../crypto/password.js';
import { randomToken } from '../../crypto/tokens.js';
import type { Db, Statement } from '../../data-dir/store.js';
import { nameKey } from '../../protocol/names.js';
import { LookAlikes } from './look-alikes.js';

/** What an account's password is checked against. */
export interface AccountCredential {
  /** The OPAQUE credential identifier the record is bound to ("a:" and 22 random characters). */
  id: string;
  record: string;
  stretching: Stretching;
  /** Set for an account migrated from an scrypt hash until its owner logs in again. */
  prehash?: ScryptPrehash | undefined;
}

export interface Account {
  nameKey: string;
  name: string;
  createdAt: number;
  lastSeenAt: number | null;
  /** Undefined only for a row whose old hash could not be migrated (damaged): nobody can log in to it. */
  credential: AccountCredential | undefined;
}

const stretchingSchema = z.object({ memory: z.int().min(8), iterations: z.int().min(1), parallelism: z.int().min(1) });
const prehashSchema = z.object({ N: z.int().min(1), r: z.int().min(1), p: z.int().min(1), salt: z.string().max(256), keyLength: z.int().min(16).max(64) });
const rowSchema = z.object({
  name_key: z.string(),
  name: z.string(),
  password_hash: z.string(),
  created_at: z.number(),
  last_seen_at: z.number().nullable(),
  opaque_id: z.string().nullable(),
  opaque_record: z.string().nullable(),
  stretching: z.string().nullable(),
  prehash: z.string().nullable(),
});

function parseJson<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toAccount(row: unknown): Account | undefined {
  const parsed = rowSchema.safeParse(row);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const stretching = parseJson(stretchingSchema, r.stretching);
  const credential: AccountCredential | undefined =
    r.opaque_id !== null && r.opaque_record !== null && stretching ? { id: r.opaque_id, record: r.opaque_record, stretching, prehash: parseJson(prehashSchema, r.prehash) } : undefined;
  return { nameKey: r.name_key, name: r.name, createdAt: r.created_at, lastSeenAt: r.last_seen_at, credential };
}

export class Accounts {
  private readonly selectOne: Statement;
  private readonly selectAll: Statement;
  private readonly insert: Statement;
  private readonly updateCredential: Statement;
  private readonly updateSeen: Statement;
  private readonly remove: Statement;
  private readonly rename: Statement;
  /** Registered names by confusable skeleton (issue 11): "aIice" is refused next to "alice". */
  private readonly lookAlikes: LookAlikes;

  constructor(private readonly db: Db) {
    this.selectOne = db.prepare('SELECT * FROM accounts WHERE name_key = ?');
    this.selectAll = db.prepare('SELECT * FROM accounts ORDER BY name_key');
    this.insert = db.prepare("INSERT OR IGNORE INTO accounts (name_key, name, password_hash, created_at, last_seen_at, opaque_id, opaque_record, stretching, prehash) VALUES (?, ?, '', ?, ?, ?, ?, ?, NULL)");
    this.updateCredential = db.prepare("UPDATE accounts SET password_hash = '', opaque_id = ?, opaque_record = ?, stretching = ?, prehash = ? WHERE name_key = ?");
    this.updateSeen = db.prepare('UPDATE accounts SET last_seen_at = ? WHERE name_key = ?');
    this.remove = db.prepare('DELETE FROM accounts WHERE name_key = ?');
    this.rename = db.prepare('UPDATE accounts SET name_key = ?, name = ? WHERE name_key = ?');
    this.lookAlikes = new LookAlikes(
      db
        .prepare('SELECT name_key FROM accounts')
        .pluck()
        .all()
        .filter((key): key is string => typeof key === 'string'),
    );
  }

  /** Another registered name that looks like `name` ("alice" for "aIice"), as its key, if any. */
  lookAlikeOf(name: string, except?: string): string | undefined {
    return this.lookAlikes.of(name, except);
  }

  find(name: string): Account | undefined {
    return toAccount(this.selectOne.get(nameKey(name)));
  }

  isRegistered(name: string): boolean {
    return this.find(name) !== undefined;
  }

  list(): Account[] {
    return this.selectAll.all().flatMap((row) => toAccount(row) ?? []);
  }

  /** A new credential id: what a new record is bound to. */
  newCredentialId(): string {
    return `a:${randomToken(16)}`;
  }

  /** Register `name` with a finished record; false when someone registered it first. */
  create(name: string, credential: Omit<AccountCredential, 'prehash'>, now: number): boolean {
    const created = this.insert.run(nameKey(name), name, now, now, credential.id, credential.record, JSON.stringify(credential.stretching)).changes === 1;
    if (created) this.lookAlikes.add(name);
    return created;
  }

  /** Accounts in name order, `limit` from `offset` (root's `users`, a page at a time). */
  page(offset: number, limit: number): Account[] {
    return this.db
      .prepare('SELECT * FROM accounts ORDER BY name_key LIMIT ? OFFSET ?')
      .all(limit, offset)
      .flatMap((row) => toAccount(row) ?? []);
  }

  /** How many accounts there are. */
  count(): number {
    const n: unknown = this.db.prepare('SELECT count(*) FROM accounts').pluck().get();
    return typeof n === 'number' ? n : 0;
  }

  /** Replace an account's record (a changed password, or a migrated account's first real one). */
  replaceCredential(name: string, credential: AccountCredential): void {
    this.updateCredential.run(credential.id, credential.record, JSON.stringify(credential.stretching), credential.prehash ? JSON.stringify(credential.prehash) : null, nameKey(name));
  }

  /** Record that the user was seen now (login and logout). */
  touch(name: string, now: number): void {
    this.updateSeen.run(now, nameKey(name));
  }

  /** Move an account to a new name (same person, same record). Run inside the caller's transaction. */
  renameAccount(oldName: string, newName: string): void {
    this.rename.run(nameKey(newName), newName, nameKey(oldName));
    this.lookAlikes.remove(oldName);
    this.lookAlikes.add(newName);
  }

  delete(name: string): boolean {
    const deleted = this.remove.run(nameKey(name)).changes === 1;
    if (deleted) this.lookAlikes.remove(name);
    return deleted;
  }

  /**
   * Turn every scrypt hash left from before protocol 3 into an OPAQUE record over the hash
   * (minimal stretching: scrypt already is the slow function) and drop the hash. Returns how many
   * were migrated and how many could not be (a damaged hash: nobody could log in to those before either).
   */
  async migrateScryptHashes(serverSetup: string): Promise<{ migrated: number; damaged: number }> {
    const rows = this.db.prepare("SELECT name_key, password_hash FROM accounts WHERE opaque_record IS NULL AND password_hash != ''").all();
    let migrated = 0;
    let damaged = 0;
    if (rows.length === 0) return { migrated, damaged };
    // The old hashes must not linger in free space or in the write-ahead log: SQLite zeroes what
    // it frees while this is on, and the checkpoint below writes the pages back and empties the log.
    this.db.pragma('secure_delete = ON');
    for (const row of rows) {
      const parsed = z.object({ name_key: z.string(), password_hash: z.string() }).safeParse(row);
      const scrypt = parsed.success ? parseScryptHash(parsed.data.password_hash) : undefined;
      if (!parsed.success || !scrypt) {
        damaged += 1;
        continue;
      }
      const id = this.newCredentialId();
      const record = await registerLocally(serverSetup, id, prehashInput(scrypt.hash), MINIMAL_STRETCHING);
      this.updateCredential.run(id, record, JSON.stringify(MINIMAL_STRETCHING), JSON.stringify(scrypt.prehash), parsed.data.name_key);
      migrated += 1;
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.pragma('secure_delete = OFF');
    return { migrated, damaged };
  }

  /** Run `work` in one transaction (renames touch accounts, memberships and rooms together). */
  transaction(work: () => void): void {
    this.db.transaction(work)();
  }
}
