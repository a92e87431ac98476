// Registered names: scrypt password hashes in the accounts table. A registered name needs its
// password to log in; everyone else is a guest. Hashing is bounded (a few at a time, each
// 32 MiB) and runs off the event loop.
import type { ErrorCode } from '../../common/errors.js';
import { hashPassword, verifyPassword, type ScryptCost } from '../../crypto/password.js';
import { nameKey } from '../../protocol/names.js';
import { checkPassword } from '../../protocol/passwords.js';
import type { Db, Statement } from '../../data-dir/store.js';
import { LookAlikes } from './look-alikes.js';

export interface Account {
  nameKey: string;
  name: string;
  passwordHash: string;
  createdAt: number;
  lastSeenAt: number | null;
}

export interface AccountOptions {
  cost: ScryptCost;
  passwordMinLength: number;
  passwordMaxLength: number;
  maxConcurrentHashes: number;
}

/** What a login attempt asks of the accounts: a name and, maybe, a password. */
export interface LoginClaim {
  name: string;
  password?: string | undefined;
  register?: boolean | undefined;
}

export type LoginCheck = { ok: true; registered: boolean; created: boolean } | { ok: false; code: ErrorCode };

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

function toAccount(row: unknown): Account | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const field = (key: string): unknown => Reflect.get(row, key);
  const [key, name, hash, created, seen] = [field('name_key'), field('name'), field('password_hash'), field('created_at'), field('last_seen_at')];
  if (typeof key !== 'string' || typeof name !== 'string' || typeof hash !== 'string' || typeof created !== 'number') return undefined;
  return { nameKey: key, name, passwordHash: hash, createdAt: created, lastSeenAt: typeof seen === 'number' ? seen : null };
}

export class Accounts {
  private readonly gate: Gate;
  private readonly selectOne: Statement;
  private readonly selectAll: Statement;
  private readonly insert: Statement;
  private readonly updateHash: Statement;
  private readonly updateSeen: Statement;
  private readonly remove: Statement;
  private readonly rename: Statement;
  /** Registered names by confusable skeleton (issue 11): "aIice" is refused next to "alice". */
  private readonly lookAlikes: LookAlikes;

  constructor(
    private readonly db: Db,
    private readonly options: AccountOptions,
  ) {
    this.gate = new Gate(options.maxConcurrentHashes);
    this.selectOne = db.prepare('SELECT * FROM accounts WHERE name_key = ?');
    this.selectAll = db.prepare('SELECT * FROM accounts ORDER BY name_key');
    this.insert = db.prepare('INSERT OR IGNORE INTO accounts (name_key, name, password_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)');
    this.updateHash = db.prepare('UPDATE accounts SET password_hash = ? WHERE name_key = ?');
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

  /** The password rule (length, no control characters); undefined when acceptable. */
  passwordProblem(password: string): ErrorCode | undefined {
    return checkPassword(password, this.options.passwordMinLength, this.options.passwordMaxLength);
  }

  /** Register `name`; false when someone registered it first. The caller checks the rule. */
  async register(name: string, password: string, now: number): Promise<boolean> {
    const hash = await this.hash(password);
    const created = this.insert.run(nameKey(name), name, hash, now, now).changes === 1;
    if (created) this.lookAlikes.add(name);
    return created;
  }

  /** True when `password` is the account's password (false for unknown names). */
  async verify(name: string, password: string): Promise<boolean> {
    const account = this.find(name);
    // Over-long input is refused before scrypt sees it: it could never have been registered.
    if (!account || [...password].length > this.options.passwordMaxLength) return false;
    return this.gate.run(() => verifyPassword(password, account.passwordHash, this.options.cost.maxmem));
  }

  async changePassword(name: string, password: string): Promise<void> {
    const hash = await this.hash(password);
    this.updateHash.run(hash, nameKey(name));
  }

  /** Record that the user was seen now (login and logout). */
  touch(name: string, now: number): void {
    this.updateSeen.run(now, nameKey(name));
  }

  /** Move an account to a new name (same person, same password). Run inside the caller's transaction. */
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

  /** Decide a login: guests pass, registered names need their password, registration can be required. */
  async checkLogin(claim: LoginClaim, requireRegistration: boolean, now: number): Promise<LoginCheck> {
    if (this.find(claim.name)) {
      if (claim.password === undefined) return { ok: false, code: 'PASSWORD_REQUIRED' };
      return (await this.verify(claim.name, claim.password)) ? { ok: true, registered: true, created: false } : { ok: false, code: 'PASSWORD_WRONG' };
    }
    if (claim.register) {
      if (claim.password === undefined) return { ok: false, code: 'PASSWORD_REQUIRED' };
      const problem = this.passwordProblem(claim.password);
      if (problem) return { ok: false, code: problem };
      if (!(await this.register(claim.name, claim.password, now))) return { ok: false, code: 'NAME_REGISTERED' };
      return { ok: true, registered: true, created: true };
    }
    if (requireRegistration) return { ok: false, code: 'REGISTRATION_REQUIRED' };
    return { ok: true, registered: false, created: false };
  }

  private hash(password: string): Promise<string> {
    return this.gate.run(() => hashPassword(password, this.options.cost));
  }

  /** Run `work` in one transaction (renames touch accounts, memberships and rooms together). */
  transaction(work: () => void): void {
    this.db.transaction(work)();
  }
}
