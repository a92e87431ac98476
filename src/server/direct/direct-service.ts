// Direct messages through the server: check a sealed message against the devices it must reach,
// store it for the devices that fetch it later, deliver it to the ones online, and hand a device
// what it missed at login (before `synced`, live traffic held meanwhile, as for room history).
// The server sees ciphertext and routing only; it never logs a body, an envelope or a key.
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import type { DirectDelivery, DirectSend, SyncedDirect } from '../../protocol/direct-messages.js';
import { encodeFrame } from '../../protocol/frame.js';
import { nameKey } from '../../protocol/names.js';
import type { Delivery } from '../chat/delivery.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, type Reply } from '../commands/reply.js';
import { usableDevice, type Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { Blocks } from './blocks.js';
import type { DeviceBook } from './devices.js';
import type { DirectStore, NewEnvelope, PendingDirect, StoredTotals } from './direct-store.js';

/** Stored messages read per step of a login sync. */
const SYNC_BATCH = 100;
const DAY_MS = 24 * 3600 * 1000;

/** What a login sync sends for the device, captured in the login's own tick. */
export interface DirectSync {
  /** Send the stored messages; resolves with `synced.direct`. */
  send(session: Session): Promise<SyncedDirect>;
}

/** One device a message is meant for, and whether the server keeps it until fetched. */
interface Target {
  readonly deviceId: string;
  readonly owner: string;
  readonly stored: boolean;
}

export interface DirectCounts extends StoredTotals {
  /** Direct messages relayed since the server started. */
  readonly relayed: number;
  readonly devicesOnline: number;
}

type DirectLimits = Pick<ServerLimits, 'directMaxStored' | 'directMaxStoredBytes' | 'directRetentionDays' | 'directMaxClockSkewMs'>;

export class DirectService {
  readonly serverId: string;
  private relayed = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: DirectStore,
    readonly devices: DeviceBook,
    readonly blocks: Blocks,
    private readonly delivery: Delivery,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: DirectLimits,
    private readonly retention: { intervalMs: number; deleteBatch: number },
  ) {
    this.serverId = store.serverId();
  }

  /**
   * At login, in the login's tick: the device's copies up to `after` (what its profile kept) are
   * freed, and everything stored for it after that, up to now, is what the sync sends; anything
   * later reaches it live (held until the sync is done). Undefined without a usable device.
   */
  beginSync(member: Member, after: number): DirectSync | undefined {
    const device = member.device;
    if (!usableDevice(device)) return undefined;
    if (device.status === 'session') return { send: () => Promise.resolve({ lastSeq: after }) };
    const upTo = this.store.maxSeq();
    const truncated = this.store.prunedUpTo(device.id) > after;
    if (after > 0) this.store.ack(device.id, Math.min(after, upTo));
    return {
      send: async (session) => {
        let cursor = after;
        for (;;) {
          const rows = this.store.pending(device.id, cursor, upTo, SYNC_BATCH);
          const last = rows.at(-1);
          if (!last) break;
          await this.delivery.sendPaced(session, rows.map((row) => encodeFrame(deliveryOf(row, device.id, true))));
          cursor = last.seq;
          if (rows.length < SYNC_BATCH) break;
        }
        return { lastSeq: Math.max(after, cursor), ...(truncated ? { truncated: true } : {}) };
      },
    };
  }

  /**
   * `direct`: the sealed message must carry exactly one envelope for each of the recipient's
   * devices and the sender's other devices. Stored (WAL, before the ack) for every device that
   * fetches it later, sent now to those online. A blocked sender gets the same ack.
   */
  send(member: Member, message: DirectSend): Reply {
    const device = member.device;
    if (!usableDevice(device)) throw new CommandError('DEVICE_REQUIRED', member.device ? `This session's device key was refused (${member.device.code ?? 'refused'}), so it cannot send direct messages.` : undefined);
    const recipient = this.devices.addressee(message.to);
    if (!recipient) throw new CommandError('RECIPIENT_OFFLINE', `${message.to.slice(0, 24)} is not online, and only registered names receive direct messages while away.`);
    if (recipient.online?.session === member.session || nameKey(recipient.name) === member.key) throw new CommandError('INVALID_ARGUMENT', 'You cannot send a direct message to yourself.');
    if (recipient.devices.length === 0) throw new CommandError('RECIPIENT_NO_KEYS', `${recipient.name} has no device that can receive direct messages yet (an older client).`);
    const own = device.status === 'session' ? [] : (this.devices.addressee(member.name)?.devices ?? []).filter((d) => d.id !== device.id);
    const expected = [...recipient.devices.map((d) => d.id), ...own.map((d) => d.id)];
    const given = new Set(message.envelopes.map((envelope) => envelope.device));
    if (given.size !== message.envelopes.length || given.size !== expected.length || expected.some((id) => !given.has(id))) {
      throw new CommandError('DEVICES_CHANGED', `The devices of ${recipient.name} or of your account changed; fetch them again and re-seal.`);
    }
    const sealedAt = Date.parse(message.time);
    const now = this.clock.now();
    if (!Number.isFinite(sealedAt) || Math.abs(sealedAt - now) > this.limits.directMaxClockSkewMs) throw new CommandError('CLOCK_SKEW');
    // A retry after a reconnect (same device, same message id): already done.
    if (this.store.findSent(device.id, message.messageId) !== undefined) return ACK;
    const body = Buffer.from(message.body, 'base64url');
    const blocked = this.blocks.blocks(recipient, member.name);
    const targets: Target[] = [];
    if (!blocked) {
      if (recipient.registered) this.checkBudget(recipient.name, body.length);
      for (const d of recipient.devices) targets.push({ deviceId: d.id, owner: recipient.name, stored: recipient.registered });
    }
    let skippedOwn = false;
    if (own.length > 0) {
      // The sender's own budget full: its other devices that are offline get no copy (the
      // recipient still gets the message); online ones get theirs live (and keep it until acked).
      const full = this.overBudget(member.name, body.length);
      for (const d of own) {
        const online = this.devices.online(d.id) !== undefined;
        if (full && !online) skippedOwn = true;
        else targets.push({ deviceId: d.id, owner: member.name, stored: true });
      }
    }
    if (targets.length === 0) {
      this.relayed += 1;
      return ACK;
    }
    const envelopes = new Map(message.envelopes.map((envelope) => [envelope.device, envelope]));
    const stored: NewEnvelope[] = targets.flatMap((target) => {
      const envelope = envelopes.get(target.deviceId);
      return target.stored && envelope ? [{ deviceId: target.deviceId, ownerName: target.owner, enc: Buffer.from(envelope.enc, 'base64url'), key: Buffer.from(envelope.key, 'base64url') }] : [];
    });
    const fileId = message.fileId;
    const seq = this.store.insert(
      { messageId: message.messageId, senderName: member.name, senderDevice: device.id, senderPublicKey: device.key, recipientName: recipient.name, sentAt: now, clientTime: message.time, fileId, body },
      stored,
    );
    this.relayed += 1;
    for (const target of targets) {
      const envelope = envelopes.get(target.deviceId);
      const online = this.devices.online(target.deviceId);
      if (!envelope || !online || online.protocol < 3) continue;
      const frame: DirectDelivery = {
        type: 'direct',
        seq,
        messageId: message.messageId,
        from: member.name,
        fromDevice: device.id,
        fromKey: device.key,
        to: recipient.name,
        time: message.time,
        ...(fileId === undefined ? {} : { fileId }),
        body: message.body,
        envelope,
      };
      this.delivery.deliver(online.session, encodeFrame(frame));
    }
    if (skippedOwn) return { type: 'ack', text: 'Sent. Your other devices get no copy of it: your own undelivered direct messages are at the limit (log in on them to fetch what waits).' };
    return ACK;
  }

  /** `direct-ack`: the session's device kept everything up to `upTo`. */
  ack(member: Member, upTo: number): void {
    const device = member.device;
    if (!usableDevice(device) || device.status === 'session') return;
    this.store.ack(device.id, Math.min(upTo, this.store.maxSeq()));
  }

  counts(): DirectCounts {
    return { ...this.store.totals(), relayed: this.relayed, devicesOnline: this.devices.onlineCount };
  }

  // Accounts moving or going (AccountService calls these).

  /** Inside the rename's transaction: devices, stored messages and blocks follow the new name. */
  renameRows(oldName: string, newName: string): void {
    this.store.rename(oldName, newName);
  }

  accountDeleted(name: string): void {
    this.store.forgetAccount(name);
  }

  /** Retention: undelivered direct messages older than the limit go, now and every interval. */
  startRetention(onError: (error: unknown) => void): void {
    const run = (): void => void this.enforceRetention().catch(onError);
    run();
    this.timer = setInterval(run, this.retention.intervalMs);
    this.timer.unref();
  }

  /** Delete undelivered messages older than the retention time, in batches; returns how many went. */
  enforceRetention(): Promise<number> {
    this.running ??= this.retain().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async retain(): Promise<number> {
    const cutoff = this.clock.now() - this.limits.directRetentionDays * DAY_MS;
    let total = 0;
    for (;;) {
      const removed = this.store.deleteOlderThan(cutoff, this.retention.deleteBatch);
      total += removed;
      if (removed < this.retention.deleteBatch) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.logger.info('direct retention', { deletedMessages: total });
    return total;
  }

  private overBudget(name: string, bytes: number): boolean {
    const usage = this.store.usage(name);
    return usage.messages + 1 > this.limits.directMaxStored || usage.bytes + bytes > this.limits.directMaxStoredBytes;
  }

  private checkBudget(name: string, bytes: number): void {
    if (this.overBudget(name, bytes)) throw new CommandError('MAILBOX_FULL', errorText('MAILBOX_FULL', { name }));
  }
}

/** A stored message as the `direct` frame one device receives. */
function deliveryOf(row: PendingDirect, deviceId: string, stored: boolean): DirectDelivery {
  return {
    type: 'direct',
    seq: row.seq,
    messageId: row.messageId,
    from: row.senderName,
    fromDevice: row.senderDevice,
    fromKey: row.senderPublicKey,
    to: row.recipientName,
    time: row.clientTime,
    ...(row.fileId === undefined ? {} : { fileId: row.fileId }),
    body: row.body.toString('base64url'),
    envelope: { device: deviceId, enc: row.enc.toString('base64url'), key: row.key.toString('base64url') },
    ...(stored ? { stored: true } : {}),
  };
}
