// The per-user profile directory: what one person's client keeps between runs for direct
// messages — this device's identity key, the keys seen for contacts (trust on first use) and
// verification marks, blocked names, and the conversations opened on this device. One profile
// serves several servers and names: each (server, account) pair has its own folder.
//
//   <profile>/                                   0700
//     party-pool-profile.json                    marks the folder as a profile
//     servers/<32 hex: SHA-256 of the server id>/<hex of the lower-cased name>/
//       account.json     which server and name this folder is for (for people reading the disk)
//       device.json      this device's key seed (secret), public key and id
//       contacts.json    contacts' device keys, verifications, blocked names   (contacts.ts)
//       state.json       the direct-message delivery cursor (the last stored-delivery id)
//       read.json        how far each conversation was read                   (conversations.ts)
//       conversations/<hex of the name>.jsonl                                  (conversations.ts)
//       lock             while a program uses this device: its pid (two programs on one device
//                        would share one key, cursor and conversation files)
//
// Names and server ids become hex in paths, so no name ("..", "CON", "Aux.") can reach outside its
// folder or collide on a case-insensitive file system. Every file is 0600, every folder 0700.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { processAlive } from '../common/processes.js';
import { DEVICE_SEED_BYTES, deviceKeyFromSeed, encodeKey, newDeviceSeed, type DeviceKeyPair } from '../crypto/device-key.js';
import { NAME_PATTERN, nameKey } from '../protocol/names.js';
import { ContactBook, CONTACTS_FILE } from './contacts.js';
import { ConversationStore } from './conversations.js';
import { ensurePrivateDirectory, readProfileJson, writeProfileJson, type FileContext } from './profile-files.js';

export const PROFILE_DIR_ENV = 'PARTY_POOL_PROFILE_DIR';
export const APP_FOLDER = 'party-pool';
export const DEVICE_FILE = 'device.json';
export const STATE_FILE = 'state.json';
export const ACCOUNT_FILE = 'account.json';
export const LOCK_FILE = 'lock';
/** Marks a directory as a Party Pool profile, so permissions are never changed on any other. */
export const PROFILE_MARKER = 'party-pool-profile.json';

export interface ProfileLocation {
  readonly dir: string;
  /** Where the choice came from, for messages: "--profile-dir", "PARTY_POOL_PROFILE_DIR" or "default". */
  readonly source: '--profile-dir' | typeof PROFILE_DIR_ENV | 'default';
}

export interface ProfileLocationInput {
  /** The --profile-dir value, when given. */
  readonly flag?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly homedir?: string;
}

/** The OS's per-user configuration folder for Party Pool. */
export function defaultProfileDir(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  if (platform === 'win32') {
    const appData = env.APPDATA;
    return path.win32.join(appData && path.win32.isAbsolute(appData) ? appData : path.win32.join(homedir, 'AppData', 'Roaming'), APP_FOLDER);
  }
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', APP_FOLDER);
  // XDG Base Directory: a relative $XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homedir, '.config'), APP_FOLDER);
}

/** --profile-dir, then PARTY_POOL_PROFILE_DIR, then the OS default. */
export function resolveProfileDir(input: ProfileLocationInput = {}): ProfileLocation {
  const env = input.env ?? process.env;
  const platform = input.platform ?? process.platform;
  const pathFor = platform === 'win32' ? path.win32 : path.posix;
  if (input.flag !== undefined) {
    if (input.flag.trim() === '') throw new PartyPoolError('USAGE', '--profile-dir needs a directory.');
    return { dir: pathFor.resolve(input.flag), source: '--profile-dir' };
  }
  const fromEnv = env[PROFILE_DIR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { dir: pathFor.resolve(fromEnv), source: PROFILE_DIR_ENV };
  return { dir: defaultProfileDir(platform, env, input.homedir ?? os.homedir()), source: 'default' };
}

export interface ProfileOptions {
  readonly platform?: NodeJS.Platform;
  /** Injected clock (first-seen and verification times). */
  readonly now?: () => number;
  /** Sentences for the person (tightened permissions, skipped damaged lines); the caller prints them. */
  readonly notice?: (text: string) => void;
}

const deviceFileSchema = z.object({
  format: z.literal('party-pool-device'),
  version: z.literal(1),
  id: z.string().max(64),
  publicKey: z.string().max(64),
  seed: z.string().max(64),
  created: z.string().max(40),
});
const stateFileSchema = z.object({ format: z.literal('party-pool-state'), version: z.literal(1), directCursor: z.int().min(0).max(Number.MAX_SAFE_INTEGER) });
const accountFileSchema = z.object({ format: z.literal('party-pool-account'), version: z.literal(1), server: z.string().max(256), name: z.string().max(64) });

const DEVICE_ADVICE = 'move it away and a new device key is made (your contacts are then told that your key changed, and messages stored for the old key are lost).';

/** An existing, non-empty folder without the profile marker (errors are left to ensurePrivateDirectory). */
function isForeignFolder(dir: string, marker: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && !fs.existsSync(marker) && fs.readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

export class Profile {
  private readonly context: FileContext;
  private readonly now: () => number;
  /** Notices collected when no `notice` callback was given. */
  readonly notices: string[] = [];

  private constructor(
    readonly dir: string,
    options: ProfileOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.context = { platform: options.platform ?? process.platform, notice: options.notice ?? ((text) => this.notices.push(text)) };
    const marker = path.join(dir, PROFILE_MARKER);
    // Only a new or empty folder becomes a profile: a mistyped --profile-dir pointing at a home or
    // shared folder must not have its permissions changed.
    if (isForeignFolder(dir, marker)) {
      throw new PartyPoolError('PROFILE_UNUSABLE', `${dir} is not a Party Pool profile directory and is not empty; choose a new or empty directory for --profile-dir.`);
    }
    ensurePrivateDirectory(dir, this.context);
    const markerSchema = z.object({ format: z.literal('party-pool-profile'), version: z.literal(1) }).loose();
    if (!readProfileJson(marker, markerSchema, `move it away; it is rewritten (it only marks the folder).`, this.context)) {
      writeProfileJson(marker, { format: 'party-pool-profile', version: 1, created: new Date(this.now()).toISOString() }, this.context);
    }
  }

  /** Open (creating when missing) the profile at `dir`; PROFILE_UNUSABLE when it cannot be used. */
  static open(dir: string, options: ProfileOptions = {}): Profile {
    return new Profile(dir, options);
  }

  /**
   * The folder for one account on one server. `serverId` identifies the server: the random id it
   * announces in `challenge` and `welcome` (kept in its data directory, unchanged by rotate-key).
   */
  account(serverId: string, name: string): AccountProfile {
    const dir = this.accountDir(serverId, name);
    ensurePrivateDirectory(path.join(this.dir, 'servers'), this.context);
    ensurePrivateDirectory(path.dirname(dir), this.context);
    ensurePrivateDirectory(dir, this.context);
    return new AccountProfile(dir, serverId, name, this.context, this.now);
  }

  /**
   * The account was renamed (/nick): its folder (device key, contacts, conversations) moves to
   * the new name, so the next login presents the same device. False, moving nothing, when the new
   * name already has a folder here (that name's own device stays as it is).
   */
  renameAccount(serverId: string, oldName: string, newName: string): boolean {
    const from = this.accountDir(serverId, oldName);
    const to = this.accountDir(serverId, newName);
    if (from === to) return true;
    if (fs.existsSync(to)) return false;
    try {
      fs.renameSync(from, to);
    } catch (error) {
      throw new PartyPoolError('PROFILE_UNUSABLE', `Cannot move ${from} to ${to} after the rename: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    }
    writeProfileJson(path.join(to, ACCOUNT_FILE), { format: 'party-pool-account', version: 1, server: serverId, name: newName }, this.context);
    return true;
  }

  private accountDir(serverId: string, name: string): string {
    if (!NAME_PATTERN.test(name)) throw new PartyPoolError('NAME_INVALID');
    if (serverId.length === 0 || serverId.length > 256) throw new RangeError('A server id is 1-256 characters.');
    const serverFolder = crypto.createHash('sha256').update(serverId).digest('hex').slice(0, 32);
    return path.join(this.dir, 'servers', serverFolder, Buffer.from(nameKey(name), 'utf8').toString('hex'));
  }
}

/** Lock files this process holds (two clients in one process, as tests run them, count as two programs). */
const heldLocks = new Set<string>();

function lockHolder(file: string): number | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    const pid = typeof value === 'object' && value !== null ? (Reflect.get(value, 'pid') as unknown) : undefined;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class AccountProfile {
  private contactBook: ContactBook | undefined;
  private conversationStore: ConversationStore | undefined;

  constructor(
    readonly dir: string,
    readonly serverId: string,
    readonly name: string,
    private readonly context: FileContext,
    private readonly now: () => number,
  ) {
    const accountFile = path.join(dir, ACCOUNT_FILE);
    const existing = readProfileJson(accountFile, accountFileSchema, 'move it away; it is rewritten (it only labels the folder).', context);
    if (!existing || existing.name !== name) writeProfileJson(accountFile, { format: 'party-pool-account', version: 1, server: serverId, name }, context);
  }

  /**
   * Take this device for this program: PROFILE_IN_USE when another running program has it. A lock
   * left by a program that is gone (a crash, a power cut) is taken over. Returns the release.
   */
  lock(): () => void {
    const file = path.join(this.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o600);
        try {
          fs.writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date(this.now()).toISOString() }) + '\n');
        } finally {
          fs.closeSync(fd);
        }
        heldLocks.add(file);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          heldLocks.delete(file);
          if (lockHolder(file) === process.pid) fs.rmSync(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new PartyPoolError('PROFILE_UNUSABLE', `Cannot create ${file}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
      }
      const holder = lockHolder(file);
      const alive = holder !== undefined && (holder === process.pid ? heldLocks.has(file) : processAlive(holder));
      if (alive) {
        throw new PartyPoolError('PROFILE_IN_USE', `Another Party Pool program${holder === process.pid ? '' : ` (pid ${holder})`} is using this profile for ${this.name} on this server, so direct messages are off in this one; close the other, or use another --profile-dir.`);
      }
      fs.rmSync(file, { force: true });
    }
    throw new PartyPoolError('PROFILE_IN_USE', `${file} keeps reappearing; another Party Pool program is starting with this profile.`);
  }

  /** This device's key for this account: loaded, or made and saved on first use. */
  async deviceKey(): Promise<{ key: DeviceKeyPair; created: boolean }> {
    const file = path.join(this.dir, DEVICE_FILE);
    const stored = readProfileJson(file, deviceFileSchema, DEVICE_ADVICE, this.context);
    if (stored) {
      const seed = Buffer.from(stored.seed, 'base64url');
      if (seed.length !== DEVICE_SEED_BYTES || encodeKey(seed) !== stored.seed) throw new PartyPoolError('PROFILE_DAMAGED', `The profile file ${file} is damaged (a bad key seed); ${DEVICE_ADVICE}`);
      const key = await deviceKeyFromSeed(seed);
      if (key.publicKeyText !== stored.publicKey || key.id !== stored.id) throw new PartyPoolError('PROFILE_DAMAGED', `The profile file ${file} is damaged (its key does not match its seed); ${DEVICE_ADVICE}`);
      return { key, created: false };
    }
    const key = await deviceKeyFromSeed(newDeviceSeed());
    writeProfileJson(file, { format: 'party-pool-device', version: 1, id: key.id, publicKey: key.publicKeyText, seed: encodeKey(key.seed), created: new Date(this.now()).toISOString() }, this.context);
    return { key, created: true };
  }

  /** Contacts' keys, verifications and blocked names (loaded on first use). */
  get contacts(): ContactBook {
    this.contactBook ??= new ContactBook(path.join(this.dir, CONTACTS_FILE), this.context, this.now);
    return this.contactBook;
  }

  /** Direct messages opened on this device (loaded on first use). */
  get conversations(): ConversationStore {
    this.conversationStore ??= new ConversationStore(this.dir, this.context);
    return this.conversationStore;
  }

  /** The id of the last stored direct message this device has safely kept (0: none yet). */
  directCursor(): number {
    const state = readProfileJson(path.join(this.dir, STATE_FILE), stateFileSchema, 'move it away; stored messages are then fetched again and duplicates dropped.', this.context);
    return state?.directCursor ?? 0;
  }

  /** Advance the cursor (never backwards) once the messages up to `id` are in the conversation store. */
  setDirectCursor(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError('A cursor is a non-negative safe integer.');
    if (id <= this.directCursor()) return;
    writeProfileJson(path.join(this.dir, STATE_FILE), { format: 'party-pool-state', version: 1, directCursor: id }, this.context);
  }
}
