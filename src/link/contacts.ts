// What this device remembers about other people's keys (contacts.json in the account's profile):
// the device keys seen for each name (trust on first use), which of them the person verified by
// comparing safety numbers, and the names they blocked. Key-change detection compares the
// device set the server publishes now with the one remembered; for a verified contact, any key
// that was not part of the verified set stops sending until the person verifies again.
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { checkDevicePublicKey, decodePublicKey, type DevicePublicKey } from '../crypto/device-key.js';
import { safetyNumber } from '../crypto/safety-number.js';
import { nameKey } from '../protocol/names.js';
import { readProfileJson, writeProfileJson, type FileContext } from './profile-files.js';

export const CONTACTS_FILE = 'contacts.json';
const FORMAT = 'party-pool-contacts';
/** Key changes remembered per contact (the newest). */
const MAX_CHANGES = 20;

/**
 * first-use: never seen (now remembered); unchanged; new-device: only additions; removed-device:
 * only removals; changed: devices both added and removed (a reinstall, or a swapped key).
 */
export type KeyChangeStatus = 'first-use' | 'unchanged' | 'new-device' | 'removed-device' | 'changed';

export interface KeyCheck {
  readonly name: string;
  readonly status: KeyChangeStatus;
  readonly added: readonly DevicePublicKey[];
  readonly removed: readonly DevicePublicKey[];
  /** The person marked this contact verified at some point. */
  readonly wasVerified: boolean;
  /** Verified, and every current key is one that was verified. */
  readonly verified: boolean;
  /** False when the contact was verified but now has a key that was not: refuse with VERIFY_REQUIRED. */
  readonly sendAllowed: boolean;
}

const deviceSchema = z.object({ id: z.string().max(64), key: z.string().max(64), firstSeen: z.string().max(40) });
const contactSchema = z.object({
  name: z.string().max(64),
  devices: z.array(deviceSchema).max(1000),
  verified: z.object({ keys: z.array(z.string().max(64)).max(1000), at: z.string().max(40) }).optional(),
  changes: z
    .array(z.object({ at: z.string().max(40), status: z.enum(['new-device', 'removed-device', 'changed']), added: z.array(z.string().max(64)).max(1000), removed: z.array(z.string().max(64)).max(1000) }))
    .max(MAX_CHANGES)
    .optional(),
});
// Lists, not objects keyed by name: a name such as "__proto__" is valid and must stay plain data.
const contactsFileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  contacts: z.array(contactSchema).max(100_000),
  blocked: z.array(z.string().max(64)).max(100_000),
});
type ContactRecord = z.infer<typeof contactSchema>;

const ADVICE = 'move it away to start afresh (contacts\' keys are then trusted again on first use, verifications must be redone, and blocked names are forgotten).';

export class ContactBook {
  /** By name key. */
  private readonly contacts = new Map<string, ContactRecord>();
  /** Name key -> the name as written. */
  private readonly blockedNames = new Map<string, string>();

  constructor(
    private readonly file: string,
    private readonly context: FileContext,
    private readonly now: () => number,
  ) {
    const stored = readProfileJson(file, contactsFileSchema, ADVICE, context);
    for (const record of stored?.contacts ?? []) {
      // Keys are checked when remembered; one that no longer parses means the file was edited or damaged.
      if (this.contacts.has(nameKey(record.name)) || record.devices.some((device) => decodePublicKey(device.key) === undefined)) {
        throw new PartyPoolError('PROFILE_DAMAGED', `The profile file ${file} is damaged (a bad entry for "${record.name.slice(0, 32)}"); ${ADVICE}`);
      }
      this.contacts.set(nameKey(record.name), record);
    }
    for (const name of stored?.blocked ?? []) this.blockedNames.set(nameKey(name), name);
  }

  /** The remembered devices of `name` (undefined: never seen). */
  devices(name: string): DevicePublicKey[] | undefined {
    return this.record(name)?.devices.map(({ id, key }) => ({ id, key }));
  }

  /** Compare `current` (from the server) with what is remembered, without remembering anything. */
  check(name: string, current: readonly DevicePublicKey[]): KeyCheck {
    for (const device of current) checkDevicePublicKey(device);
    const record = this.record(name);
    const known = new Map((record?.devices ?? []).map((device) => [device.id, device]));
    const now = new Map(current.map((device) => [device.id, device]));
    const added = current.filter((device) => !known.has(device.id)).map(({ id, key }) => ({ id, key }));
    const removed = [...known.values()].filter((device) => !now.has(device.id)).map(({ id, key }) => ({ id, key }));
    let status: KeyChangeStatus;
    if (!record) status = 'first-use';
    else if (added.length === 0 && removed.length === 0) status = 'unchanged';
    else if (removed.length === 0) status = 'new-device';
    else if (added.length === 0) status = 'removed-device';
    else status = 'changed';
    const verifiedKeys = record?.verified ? new Set(record.verified.keys) : undefined;
    const verified = verifiedKeys !== undefined && current.length > 0 && current.every((device) => verifiedKeys.has(device.key));
    return { name, status, added, removed, wasVerified: verifiedKeys !== undefined, verified, sendAllowed: verifiedKeys === undefined || verified };
  }

  /** Compare, then remember `current` as the contact's devices (trust on first use); saved at once. */
  observe(name: string, current: readonly DevicePublicKey[]): KeyCheck {
    const result = this.check(name, current);
    if (result.status === 'unchanged') return result;
    const at = new Date(this.now()).toISOString();
    const previous = this.record(name);
    const firstSeen = new Map((previous?.devices ?? []).map((device) => [device.id, device.firstSeen]));
    const record: ContactRecord = {
      name,
      devices: current.map(({ id, key }) => ({ id, key, firstSeen: firstSeen.get(id) ?? at })),
      ...(previous?.verified ? { verified: previous.verified } : {}),
      changes: previous?.changes ?? [],
    };
    if (result.status !== 'first-use') {
      record.changes = [...(record.changes ?? []), { at, status: result.status, added: result.added.map((d) => d.id), removed: result.removed.map((d) => d.id) }].slice(-MAX_CHANGES);
    }
    this.contacts.set(nameKey(name), record);
    this.save();
    return result;
  }

  /** Mark the remembered devices of `name` as verified (after comparing the safety number). */
  markVerified(name: string): void {
    const record = this.record(name);
    if (!record || record.devices.length === 0) throw new PartyPoolError('NO_SUCH_USER', `No keys are known for ${name} yet; send or receive a direct message first.`);
    record.verified = { keys: record.devices.map((device) => device.key), at: new Date(this.now()).toISOString() };
    this.save();
  }

  /** Forget that `name` was verified (sending is then allowed again, with key-change warnings). */
  clearVerified(name: string): void {
    const record = this.record(name);
    if (!record?.verified) return;
    delete record.verified;
    this.save();
  }

  /** The remembered key changes of `name`, oldest first. */
  changes(name: string): readonly { at: string; status: KeyChangeStatus; added: readonly string[]; removed: readonly string[] }[] {
    return this.record(name)?.changes ?? [];
  }

  /**
   * The safety number between `self` and `contact`, over the remembered device sets of both
   * (remember your own account's devices with observe(yourName, …) too). Undefined while either
   * has no known device.
   */
  safetyNumber(self: string, contact: string): string | undefined {
    const mine = this.record(self)?.devices ?? [];
    const theirs = this.record(contact)?.devices ?? [];
    if (mine.length === 0 || theirs.length === 0) return undefined;
    const keysOf = (devices: readonly { key: string }[]): Buffer[] => devices.flatMap((device) => decodePublicKey(device.key) ?? []);
    return safetyNumber({ identifier: nameKey(self), keys: keysOf(mine) }, { identifier: nameKey(contact), keys: keysOf(theirs) });
  }

  /**
   * The contact renamed (/nick): the record (keys, verification, changes) moves to the new name,
   * replacing any record of that name; a block follows too. The verified mark belongs to the keys,
   * so it survives; safety numbers include the names, so they change.
   */
  rename(oldName: string, newName: string): void {
    const record = this.record(oldName);
    const blocked = this.blockedNames.has(nameKey(oldName));
    if (!record && !blocked) return;
    if (record) {
      this.contacts.delete(nameKey(oldName));
      this.contacts.set(nameKey(newName), { ...record, name: newName });
    }
    if (blocked) {
      this.blockedNames.delete(nameKey(oldName));
      this.blockedNames.set(nameKey(newName), newName);
    }
    this.save();
  }

  block(name: string): void {
    this.blockedNames.set(nameKey(name), name);
    this.save();
  }

  /** False when `name` was not blocked. */
  unblock(name: string): boolean {
    if (!this.blockedNames.delete(nameKey(name))) return false;
    this.save();
    return true;
  }

  isBlocked(name: string): boolean {
    return this.blockedNames.has(nameKey(name));
  }

  /** Blocked names as they were written, sorted. */
  blocked(): string[] {
    return [...this.blockedNames.values()].sort((a, b) => a.localeCompare(b));
  }

  private record(name: string): ContactRecord | undefined {
    return this.contacts.get(nameKey(name));
  }

  private save(): void {
    writeProfileJson(this.file, { format: FORMAT, version: 1, contacts: [...this.contacts.values()], blocked: [...this.blockedNames.values()] }, this.context);
  }
}
