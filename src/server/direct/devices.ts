// Direct-message devices: registering the key a protocol-3 login presents (registered accounts
// keep it, a guest's lasts for the session), which devices are online, publishing an account's
// keys (devices-get), listing and removing one's own (`devices`, `devices remove`), and telling an
// account's sessions when its device set changed. The server only relays keys; clients check that
// each id is derived from its key and warn when a contact's keys change.
import type { ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import { isStorageError } from '../../common/storage-errors.js';
import { decodePublicKey, deviceIdOf } from '../../crypto/device-key.js';
import type { DeviceInfo, DevicesMessage } from '../../protocol/direct-messages.js';
import { encodeFrame } from '../../protocol/frame.js';
import { nameKey } from '../../protocol/names.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Delivery } from '../chat/delivery.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import { usableDevice, type Member, type SessionDevice } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { DeviceRow, DirectStore } from './direct-store.js';

/** The lowest protocol version with direct messages. */
export const DIRECT_PROTOCOL = 3;

/** One side of a conversation as the sender's client must seal to it. */
export interface Addressee {
  /** The name as the account (or the online guest) spells it. */
  readonly name: string;
  readonly registered: boolean;
  /** The logged-in user with this name, if any. */
  readonly online: Member | undefined;
  readonly devices: readonly { id: string; key: string }[];
}

export class DeviceBook {
  /** Sessions by the usable device they logged in with. */
  private readonly live = new Map<string, Session>();

  constructor(
    private readonly store: DirectStore,
    private readonly accounts: Accounts,
    private readonly roster: Roster,
    private readonly delivery: Delivery,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: Pick<ServerLimits, 'maxDevices'>,
  ) {}

  /**
   * The device a login presents, decided after every other login check: registered to the
   * account (new or known), a guest's for this session, or refused with a code (the login still
   * succeeds; direct messages are then off for the session). Undefined when none was presented.
   */
  claim(name: string, protocol: number, key: string | undefined): SessionDevice | undefined {
    if (protocol < DIRECT_PROTOCOL || key === undefined) return undefined;
    const raw = decodePublicKey(key);
    const id = deviceIdOf(raw ?? Buffer.from(key, 'base64url'));
    const refused = (code: ErrorCode): SessionDevice => ({ id, key, status: 'refused', code });
    if (!raw) return refused('DEVICE_KEY_INVALID');
    // Two programs on one device would share one cursor: the profile's lock file prevents it
    // on one computer; a copied profile on another is refused here.
    if (this.live.has(id)) return refused('DEVICE_IN_USE');
    try {
      const row = this.store.device(id);
      if (!this.accounts.isRegistered(name)) return row ? refused('DEVICE_KEY_TAKEN') : { id, key, status: 'session' };
      if (row && row.accountKey !== nameKey(name)) return refused('DEVICE_KEY_TAKEN');
      if (row && row.removedAt !== null) return refused('DEVICE_REMOVED');
      const now = this.clock.now();
      if (row) {
        this.store.touchDevice(id, now);
        return { id, key, status: 'known' };
      }
      if (this.store.countActive(name) >= this.limits.maxDevices) return refused('DEVICE_LIMIT');
      this.store.addDevice(id, name, key, now);
      this.logger.info('device added', { user: name, device: id });
      return { id, key, status: 'new' };
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.alarm.report('database', error);
      return refused('STORAGE_FAILED');
    }
  }

  /** A member was admitted: its device is online; a new device is announced to the account. */
  arrived(member: Member): void {
    if (!usableDevice(member.device)) return;
    this.live.set(member.device.id, member.session);
    if (member.device.status === 'new') this.changed(member.name);
  }

  /** A member's session ended. */
  departed(member: Member): void {
    const device = member.device;
    if (!usableDevice(device) || this.live.get(device.id) !== member.session) return;
    this.live.delete(device.id);
    if (device.status === 'session') return;
    try {
      this.store.touchDevice(device.id, this.clock.now());
    } catch (error) {
      this.alarm.report('database', error);
    }
  }

  /** The logged-in member whose session uses this device. */
  online(deviceId: string): Member | undefined {
    const session = this.live.get(deviceId);
    return session ? this.roster.memberOf(session) : undefined;
  }

  /**
   * Who `name` is for direct messages: a registered account and its devices, an online guest and
   * its session device, or nobody (not registered, not online).
   */
  addressee(name: string): Addressee | undefined {
    const account = this.accounts.find(name);
    const online = this.roster.named(name);
    const user = online?.role === 'user' ? online : undefined;
    if (account) return { name: account.name, registered: true, online: user, devices: this.store.activeDevices(account.name).map(({ id, publicKey }) => ({ id, key: publicKey })) };
    if (!user) return undefined;
    const device = user.device;
    return { name: user.name, registered: false, online: user, devices: usableDevice(device) ? [{ id: device.id, key: device.key }] : [] };
  }

  /** `devices-get`: the published keys of up to 16 names (a name nobody has comes back empty). */
  lookup(names: readonly string[]): Reply {
    const seen = new Set<string>();
    const accounts: DevicesMessage['accounts'] = [];
    for (const name of names) {
      if (seen.has(nameKey(name))) continue;
      seen.add(nameKey(name));
      const found = this.addressee(name);
      accounts.push(found ? { name: found.name, registered: found.registered, online: found.online !== undefined, devices: [...found.devices] } : { name, registered: false, online: false, devices: [] });
    }
    return { type: 'devices', accounts };
  }

  /** `devices`: this account's devices, with when they were added and last seen, and which is this one. */
  own(member: Member): Reply {
    return { type: 'devices', accounts: [{ name: member.name, registered: this.accounts.isRegistered(member.name), online: true, devices: this.ownDevices(member) }] };
  }

  /** `devices remove <id>`: the device is removed for good; a session using it is ended. */
  remove(member: Member, id: string): Reply {
    if (!this.accounts.isRegistered(member.name)) throw new CommandError('NOT_REGISTERED', 'A guest has only this session\'s device; there is nothing to remove.');
    if (member.device?.id === id) throw new CommandError('INVALID_ARGUMENT', 'That is this device: remove it from another of your devices, or just log out.');
    const row = this.store.device(id);
    if (!row || row.accountKey !== member.key || row.removedAt !== null) throw new CommandError('NO_SUCH_DEVICE', `Your account has no device ${id.slice(0, 16)}; /devices lists them.`);
    this.store.removeDevice(id, this.clock.now());
    this.logger.info('device removed', { conn: member.session.id, user: member.name, device: id });
    const session = this.live.get(id);
    if (session) {
      this.live.delete(id);
      session.fail('DEVICE_REMOVED');
    }
    this.changed(member.name);
    return ACK;
  }

  /** Every logged-in session of `name` with protocol 3 gets the account's device set. */
  changed(name: string): void {
    const member = this.roster.named(name);
    if (!member || member.protocol < DIRECT_PROTOCOL) return;
    const frame = encodeFrame({ type: 'devices-changed', name: member.name, devices: this.ownDevices(member), time: this.clock.iso() });
    this.delivery.deliver(member.session, frame);
  }

  /** Devices online now (for `stats`). */
  get onlineCount(): number {
    return this.live.size;
  }

  private ownDevices(member: Member): DeviceInfo[] {
    const current = member.device;
    if (!this.accounts.isRegistered(member.name)) return usableDevice(current) ? [{ id: current.id, key: current.key, current: true }] : [];
    const iso = (ms: number): string => new Date(ms).toISOString();
    return this.store.activeDevices(member.name).map((row: DeviceRow) => ({
      id: row.id,
      key: row.publicKey,
      added: iso(row.addedAt),
      lastSeen: iso(this.live.has(row.id) ? this.clock.now() : row.lastSeenAt),
      ...(row.id === current?.id ? { current: true } : {}),
    }));
  }
}
