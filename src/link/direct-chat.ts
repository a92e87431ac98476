// End-to-end direct messages on a client (protocol 3), below every user interface: the chat
// screen, line mode and the browser app all use it through ChatClient. It keeps this device's
// key and what it knows of other people's keys in the per-user profile (profile.ts), checks the
// keys the server publishes against the remembered ones (trust on first use, key-change warnings,
// verification by safety number), seals outgoing messages to every device that should read them,
// opens incoming ones (dropping duplicates and anything that does not open), stores them in the
// conversation store before they are shown, and acknowledges them to the server afterwards.
//
// Order of durability for a received message: appended to its conversation (fsync) -> shown ->
// the cursor advances (state.json) -> `direct-ack` tells the server. A crash anywhere in between
// gets the message again at the next login, and the conversation store drops the duplicate.
import { config } from '../../config.js';
import { PartyPoolError, isErrorCode, type ErrorCode } from '../common/errors.js';
import { formatSize } from '../common/sizes.js';
import { checkDevicePublicKey, type DeviceKeyPair, type DevicePublicKey } from '../crypto/device-key.js';
import { newMessageId, openDirect, sealDirect } from '../crypto/direct-seal.js';
import { formatSafetyNumber } from '../crypto/safety-number.js';
import type { DirectEvent, DirectMessageEvent, KeyChangedEvent } from '../protocol/direct-events.js';
import type { DirectDelivery, SyncedDirect, WelcomeDevice } from '../protocol/direct-messages.js';
import { DIRECT_TEXT_MAX, encodeDirectPayload, parseDirectPayload, type DirectPayload } from '../protocol/direct-payload.js';
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { NAME_PATTERN, nameKey } from '../protocol/names.js';
import { checkText } from '../protocol/text.js';
import type { KeyCheck } from './contacts.js';
import type { ConversationEntry, ConversationSummary, HistoryPage } from './conversations.js';
import type { DirectFile, DirectFileChannel } from './direct-files.js';
import type { AccountProfile, Profile } from './profile.js';

/** The lowest protocol version with direct messages. */
export const DIRECT_PROTOCOL = 3;
/** Messages a `/history @name` page shows by default. */
const HISTORY_PAGE = 20;
/** Re-seal after DEVICES_CHANGED at most this often per message (someone adding devices in a loop). */
const MAX_RESEALS = 2;

/** What direct messages need from the connection (ChatClient provides it). */
export interface DirectTransport {
  /**
   * Send a request; resolves with its reply, or undefined when the connection dropped first. A
   * `quiet` request's reply is not passed on to the user interface (this layer shows what matters).
   */
  ask(build: (id: number) => ClientMessage, quiet?: boolean): Promise<ServerMessage | undefined>;
  /** Pass a server message on to the user interface (an error or a confirmation this layer got quietly). */
  show(message: ServerMessage): void;
  /** Send a message that has no reply. */
  post(message: ClientMessage): void;
  /** The name this session is logged in as now. */
  name(): string;
  /** Show an error that came from this side (it looks like the server's errors: a code and a sentence). */
  error(code: ErrorCode, message: string): void;
  /** Pass an event to the user interface. */
  emit(event: DirectEvent): void;
}

export interface DirectOptions {
  profile: Profile;
  /** Injected clock (tests). */
  now?: () => number;
  /** How often the cursor is saved and acknowledged (default config.direct.ackIntervalMs). */
  ackIntervalMs?: number;
}

/** A name's devices as the server publishes them (checked: each id is derived from its key). */
interface Published {
  readonly name: string;
  readonly registered: boolean;
  readonly online: boolean;
  readonly devices: readonly DevicePublicKey[];
}

/** The device and account this session uses, from login to the end of the session. */
interface Session {
  readonly account: AccountProfile;
  readonly key: DeviceKeyPair;
  readonly serverId: string;
  readonly release: () => void;
  /** The server accepted the device (welcome.device): messages can be sent and received. */
  usable: boolean;
}

export class DirectChat {
  private session: Session | undefined;
  /** Devices fetched on this connection, by name key. */
  private readonly published = new Map<string, Published>();
  /** The last direct-message command typed (the next one waits for it). */
  private turns: Promise<unknown> = Promise.resolve();
  /** Incoming messages are opened one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  /** The highest seq kept and not yet saved and acknowledged. */
  private keptUpTo = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private clockOffsetMs = 0;
  private connected = false;
  /** Counts connections: a message is kept only by the connection that delivered it. */
  private generation = 0;
  /** A connection that dropped while a message of its was being opened keeps nothing after it. */
  private stalledGeneration = -1;
  /** Where the next `/history @name` page of each conversation ends (its first index). */
  private readonly pages = new Map<string, number>();
  /** Messages dropped since the last notice (one sentence per burst). */
  private droppedFrom = new Set<string>();
  /** The code of the last `devices-get` refusal (shown already). */
  private lastRefusal: ErrorCode | undefined;
  /** Files whose key is being sent, by file id: a retry after a reconnect reuses the message id and time. */
  private readonly pendingFiles = new Map<string, { messageId: string; time: string }>();
  private readonly now: () => number;
  private readonly ackIntervalMs: number;

  constructor(
    private readonly options: DirectOptions,
    private readonly transport: DirectTransport,
  ) {
    this.now = options.now ?? Date.now;
    this.ackIntervalMs = options.ackIntervalMs ?? config.direct.ackIntervalMs;
  }

  /** The conversations on this device, the most recent first (for a user interface's list). */
  listConversations(): readonly ConversationSummary[] {
    return this.session?.account.conversations.summaries() ?? [];
  }

  /** A page of one conversation (oldest first): the `limit` entries before index `before` (default: the newest). */
  conversation(name: string, limit: number, before?: number): HistoryPage | undefined {
    return this.session?.account.conversations.history(name, limit, before);
  }

  /** Everything in the conversation with `name` counts as read now. */
  markRead(name: string): void {
    this.session?.account.conversations.markRead(name);
  }

  /** Whether this session can send and receive direct messages. */
  get available(): boolean {
    return this.connected && this.session?.usable === true;
  }

  /** This device's id, once a login has chosen the account. */
  get deviceId(): string | undefined {
    return this.session?.key.id;
  }

  /** The account's profile folder (conversations, contacts), once a login has chosen it. */
  get account(): AccountProfile | undefined {
    return this.session?.account;
  }

  /**
   * During login, once the server's id and the name are known: this device's key and cursor for
   * `auth`, or undefined (direct messages off for this session, with one sentence saying why).
   */
  async prepare(serverId: string, name: string): Promise<{ device: { key: string }; directAfter: number } | undefined> {
    if (this.session && (this.session.serverId !== serverId || nameKey(this.session.account.name) !== nameKey(name))) this.release();
    try {
      if (!this.session) {
        const account = this.options.profile.account(serverId, name);
        const release = account.lock();
        try {
          const { key } = await account.deviceKey();
          this.session = { account, key, serverId, release, usable: false };
        } catch (error) {
          release();
          throw error;
        }
      }
      return { device: { key: this.session.key.publicKeyText }, directAfter: this.session.account.directCursor() };
    } catch (error) {
      if (!(error instanceof PartyPoolError)) throw error;
      this.transport.error(error.code, `${error.message}${error.code === 'PROFILE_IN_USE' ? '' : ' Direct messages are off in this session.'}`);
      return undefined;
    }
  }

  /** Logged in: what the server made of the device, and its clock. */
  welcomed(welcome: { time: string; serverId?: string | undefined; device?: WelcomeDevice | undefined }, protocol: number): void {
    this.connected = true;
    this.generation += 1;
    this.published.clear();
    const serverTime = Date.parse(welcome.time);
    this.clockOffsetMs = Number.isFinite(serverTime) ? serverTime - this.now() : 0;
    const session = this.session;
    if (!session || protocol < DIRECT_PROTOCOL) return;
    const device = welcome.device;
    const wasUsable = session.usable;
    session.usable = welcome.serverId === session.serverId && device !== undefined && device.id === session.key.id && device.status !== 'refused';
    if (device?.status === 'refused') {
      const code: ErrorCode = device.code !== undefined && isErrorCode(device.code) ? device.code : 'DEVICE_KEY_INVALID';
      this.transport.error(code, `Direct messages are off in this session: the server refused this device (${device.code ?? 'refused'}).${code === 'DEVICE_LIMIT' ? ' Remove a device you no longer use with /devices remove <id> from one of your other devices.' : ''}`);
    } else if (!session.usable && wasUsable !== session.usable) {
      this.transport.error('DEVICE_KEY_INVALID', 'Direct messages are off in this session: the server did not confirm this device.');
    }
  }

  /** The connection dropped: save what was kept (the ack goes at the next login, as the cursor). */
  disconnected(): void {
    this.connected = false;
    this.flush();
  }

  /** Leave: save the cursor and let another program use this device. */
  close(): void {
    // Acknowledged while still connected, so the server can free what this device kept.
    this.flush();
    this.connected = false;
    this.release();
  }

  /** Resolves once every direct message received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * A server message: direct messages and device changes are handled here (true: do not pass
   * it on as a chat event); renames and `synced` are noted and passed on.
   */
  handle(message: ServerMessage): boolean {
    switch (message.type) {
      case 'direct': {
        const generation = this.generation;
        this.enqueue(() => this.receive(message, generation));
        return true;
      }
      case 'devices-changed':
        // A session whose device is off (the profile in use elsewhere) has nothing to compare.
        if (!this.session?.usable) return true;
        this.enqueue(async () => {
          this.remember({ name: message.name, registered: true, online: true, devices: message.devices.map(({ id, key }) => ({ id, key })) });
          this.published.set(nameKey(message.name), { name: message.name, registered: true, online: true, devices: message.devices.map(({ id, key }) => ({ id, key })) });
          await Promise.resolve();
        });
        return true;
      case 'synced':
        if (message.direct) this.synced(message.direct);
        return false;
      case 'rename':
        this.renamed(message.from, message.to);
        return false;
      default:
        return false;
    }
  }

  /**
   * A typed command, if it is a direct-message one: /msg (/dm), /history @name, /verify, /block,
   * /unblock. Resolves like ChatClient.command (true: answered). Undefined: not ours.
   */
  command(name: string, args: string): Promise<boolean> | undefined {
    switch (name) {
      case 'msg':
      case 'dm':
        return this.inTurn(() => this.msgCommand(args));
      case 'verify':
        return this.inTurn(() => this.verifyCommand(args));
      case 'history':
        return args.trim().startsWith('@') ? this.inTurn(() => Promise.resolve(this.historyCommand(args))) : undefined;
      case 'block':
      case 'unblock':
        return this.inTurn(() => this.blockCommand(name, args));
      default:
        return undefined;
    }
  }

  /** Direct-message commands run one after another, in the order typed (a script's `/msg` then `/msg` lists the message). */
  private inTurn(work: () => Promise<boolean>): Promise<boolean> {
    const turn = this.turns.then(work);
    this.turns = turn.catch(() => false);
    return turn;
  }

  /** Send `text` to `to`, sealed to every device of theirs and every other device of yours (in turn with typed commands). */
  send(to: string, text: string): Promise<boolean> {
    return this.inTurn(() => this.sendNow(to, text));
  }

  private async sendNow(to: string, text: string): Promise<boolean> {
    const session = this.usableSession();
    if (!session) return true;
    const checked = checkText(text, DIRECT_TEXT_MAX);
    if ('error' in checked) return this.refuse(checked.error, checked.error === 'TEXT_TOO_LONG' ? `A direct message is at most ${DIRECT_TEXT_MAX} characters.` : undefined);
    const me = this.transport.name();
    const outcome = await this.sealAndSend(session, to, (recipient) => ({ v: 1, kind: 'text', from: me, to: recipient, text: checked.text }), { messageId: newMessageId(), time: this.sealTime() });
    switch (outcome.kind) {
      case 'dropped':
        return false;
      case 'shown':
        return true;
      case 'refused':
        return this.refuse(outcome.code, outcome.message);
      case 'answered':
        this.transport.show(outcome.reply);
        return true;
      case 'sent':
        this.transport.emit({ type: 'direct', id: outcome.entry.id, from: me, to: outcome.entry.peer, text: checked.text, time: outcome.entry.time, direction: 'out' });
        if (outcome.reply.text !== undefined) this.transport.show(outcome.reply);
        return true;
    }
  }

  /**
   * Send a file's key, name, size and SHA-256 to `to` (issue 14), sealed like a text message and
   * with the same trust rules (a contact whose verified keys changed gets nothing), routing
   * `fileId`. Resolves once the server took it and it is in this device's conversation store;
   * rejects with a PartyPoolError saying why not. A retry after a dropped connection reuses the
   * message id, so the server (and the recipient) take it once.
   */
  sendFile(to: string, file: DirectFile): Promise<void> {
    return this.inTurn(async () => {
      const session = this.session;
      if (!session?.usable) throw new PartyPoolError('DEVICE_REQUIRED', 'Direct messages are off in this session, and the key of a file to one person travels in one.');
      if (!this.connected) throw new PartyPoolError('CONNECTION_LOST', "Not connected; the file's key was not sent.");
      const me = this.transport.name();
      const pending = this.pendingFiles.get(file.id) ?? { messageId: newMessageId(), time: this.sealTime() };
      this.pendingFiles.set(file.id, pending);
      const outcome = await this.sealAndSend(session, to, (recipient) => ({ v: 1, kind: 'file', from: me, to: recipient, file: { ...file } }), { ...pending, fileId: file.id });
      if (outcome.kind === 'dropped') throw new PartyPoolError('CONNECTION_LOST', "The connection dropped before the server took the file's key.");
      this.pendingFiles.delete(file.id);
      if (outcome.kind === 'refused' || outcome.kind === 'shown') throw new PartyPoolError(outcome.code, outcome.message);
      if (outcome.kind === 'answered') {
        const reply = outcome.reply;
        const code = reply.type === 'error' && isErrorCode(reply.code) ? reply.code : 'BAD_MESSAGE';
        throw new PartyPoolError(code, reply.type === 'error' ? reply.message : `The server answered ${reply.type} to a direct message.`);
      }
      if (outcome.reply.text !== undefined) this.transport.show(outcome.reply);
      return true;
    }).then(() => undefined);
  }

  /**
   * Before a file to `to` is uploaded: could its key be sent now? Rejects with the refusal
   * (DEVICE_REQUIRED, RECIPIENT_OFFLINE, RECIPIENT_NO_KEYS, VERIFY_REQUIRED, …) so nothing is
   * uploaded for nothing; a key change is said as for a message.
   */
  checkRecipient(to: string): Promise<void> {
    return this.inTurn(async () => {
      if (!this.session?.usable) throw new PartyPoolError('DEVICE_REQUIRED', 'Direct messages are off in this session, and the key of a file to one person travels in one.');
      if (!this.connected) throw new PartyPoolError('CONNECTION_LOST', 'Not connected; nothing was sent.');
      const found = await this.recipients(to, true);
      if ('them' in found) return true;
      if (found.kind === 'dropped') throw new PartyPoolError('CONNECTION_LOST', 'The connection dropped; nothing was sent.');
      throw new PartyPoolError(found.code, found.message);
    }).then(() => undefined);
  }

  /**
   * The file a direct message gave this device, or that this account sent, by file id. With
   * `from` (the uploader the server names), a message from that person (or from this account,
   * when it is this account) is preferred: anyone may send a message naming any file id.
   */
  fileFor(id: string, from?: string): DirectFile | undefined {
    const session = this.session;
    if (!session) return undefined;
    const entries = session.account.conversations.filesWithId(id);
    const sender = (entry: (typeof entries)[number]): string => (entry.direction === 'out' ? session.account.name : entry.peer);
    const chosen = (from === undefined ? undefined : entries.find((entry) => nameKey(sender(entry)) === nameKey(from))) ?? entries[0];
    return chosen ? { ...chosen.payload.file } : undefined;
  }

  /** The channel file transfers use (file-transfers.ts); undefined while this session has no usable device. */
  get files(): DirectFileChannel | undefined {
    if (!this.session?.usable) return undefined;
    return { checkRecipient: (to) => this.checkRecipient(to), sendFile: (to, file) => this.sendFile(to, file), fileFor: (id, from) => this.fileFor(id, from) };
  }

  /** The time to seal with: this device's clock corrected by the server's. */
  private sealTime(): string {
    return new Date(this.now() + this.clockOffsetMs).toISOString();
  }

  /**
   * Seal `payload` to every device of `to` and every other device of this account and send it:
   * the keys are checked first (a change is said before anything is sealed; a verified contact
   * whose keys changed is refused), and a DEVICES_CHANGED answer re-seals. The sent message is
   * stored in the conversation before this resolves.
   */
  private async sealAndSend(session: Session, to: string, build: (recipient: string) => DirectPayload, context: { messageId: string; time: string; fileId?: string }): Promise<SendOutcome> {
    for (let attempt = 0; ; attempt++) {
      const found = await this.recipients(to, attempt > 0);
      if (!('them' in found)) return found;
      const { them, mine } = found;
      const myOthers = (mine?.devices ?? []).filter((device) => device.id !== session.key.id);
      const payload = build(them.name);
      const { messageId, time, fileId } = context;
      const sealed = await sealDirect(session.key, [...them.devices, ...myOthers], { messageId, time, ...(fileId === undefined ? {} : { fileId }) }, encodeDirectPayload(payload));
      const reply = await this.transport.ask((id) => ({ type: 'direct', id, to: them.name, messageId, time, ...(fileId === undefined ? {} : { fileId }), body: sealed.body, envelopes: [...sealed.envelopes] }), true);
      if (!reply) return { kind: 'dropped' };
      if (reply.type === 'error' && reply.code === 'DEVICES_CHANGED' && attempt < MAX_RESEALS) continue;
      if (reply.type !== 'ack') return { kind: 'answered', reply };
      const entry: ConversationEntry = { id: messageId, peer: them.name, direction: 'out', device: session.key.id, time, payload };
      session.account.conversations.accept(entry);
      session.account.conversations.markRead(them.name);
      return { kind: 'sent', entry, reply };
    }
  }

  /**
   * Who a message to `to` is sealed for: their devices and this account's, as the server
   * publishes them, checked against the remembered keys (a change is said before anything is
   * sealed; a verified contact whose keys changed is refused).
   */
  private async recipients(to: string, fresh: boolean): Promise<{ them: Published; mine: Published | undefined } | Exclude<SendOutcome, { kind: 'sent' | 'answered' }>> {
    if (!NAME_PATTERN.test(to)) return { kind: 'refused', code: 'NAME_INVALID' };
    const me = this.transport.name();
    if (nameKey(to) === nameKey(me)) return { kind: 'refused', code: 'INVALID_ARGUMENT', message: 'You cannot send a direct message to yourself.' };
    const found = await this.lookup([to, me], fresh);
    if (found === undefined) return { kind: 'dropped' };
    if (found === false) return { kind: 'shown', code: this.lastRefusal ?? 'INTERNAL', message: `The server did not say which devices ${to} has, so nothing was sent.` };
    const them = found.get(nameKey(to));
    const mine = found.get(nameKey(me));
    if (!them || (!them.registered && !them.online)) return { kind: 'refused', code: 'RECIPIENT_OFFLINE', message: `${to} is not online, and only registered names receive direct messages while away.` };
    if (them.devices.length === 0) return { kind: 'refused', code: 'RECIPIENT_NO_KEYS', message: `${them.name} has no device that can receive direct messages yet (they use an older client).` };
    // Key changes are said before anything is sealed to the new keys.
    const check = this.remember(them);
    if (mine) this.remember(mine);
    if (!check.sendAllowed) return { kind: 'refused', code: 'VERIFY_REQUIRED', message: `${them.name}'s keys changed since you verified them: compare the safety number again (/verify ${them.name}), then /verify ${them.name} confirm. Nothing was sent.` };
    return { them, mine };
  }

  private async msgCommand(args: string): Promise<boolean> {
    const trimmed = args.trim();
    if (trimmed === '') {
      const session = this.usableSession(false);
      if (!session) return true;
      const conversations = session.account.conversations.summaries().map((c) => ({ name: c.peer, messages: c.count, unread: c.unread, last: c.lastTime }));
      this.transport.emit({ type: 'conversations', conversations });
      return true;
    }
    const match = /^(\S+)\s+([\s\S]*\S[\s\S]*)$/.exec(trimmed);
    if (!match?.[1] || match[2] === undefined) return this.refuse('MISSING_ARGUMENT', 'Usage: /msg <name> <text>');
    return this.sendNow(match[1].replace(/^@/, ''), match[2]);
  }

  private async verifyCommand(args: string): Promise<boolean> {
    const words = args.trim().split(/\s+/).filter((word) => word !== '');
    const [who, confirm, ...extra] = words;
    if (who === undefined || extra.length > 0 || (confirm !== undefined && confirm !== 'confirm')) return this.refuse('MISSING_ARGUMENT', 'Usage: /verify <name> [confirm]');
    const name = who.replace(/^@/, '');
    const session = this.usableSession();
    if (!session) return true;
    const me = this.transport.name();
    if (!NAME_PATTERN.test(name)) return this.refuse('NAME_INVALID');
    if (nameKey(name) === nameKey(me)) return this.refuse('INVALID_ARGUMENT', 'A safety number is between you and someone else.');
    const found = await this.lookup([name, me], true);
    if (found === undefined) return false;
    if (found === false) return true;
    const them = found.get(nameKey(name));
    const mine = found.get(nameKey(me));
    if (them && them.devices.length > 0) this.remember(them);
    if (mine && mine.devices.length > 0) this.remember(mine);
    const contacts = session.account.contacts;
    const known = contacts.devices(name);
    const contactName = them && them.devices.length > 0 ? them.name : name;
    const number = contacts.safetyNumber(me, contactName);
    if (number === undefined || !known) return this.refuse('NO_SUCH_USER', `No keys are known for ${name}: they have not used a client with direct messages yet.`);
    if (confirm !== undefined) {
      contacts.markVerified(contactName);
      this.transport.emit({ type: 'safety-number', name: contactName, number: formatSafetyNumber(number), verified: true, confirmed: true });
      return true;
    }
    this.transport.emit({ type: 'safety-number', name: contactName, number: formatSafetyNumber(number), verified: contacts.check(contactName, known).verified });
    return true;
  }

  private historyCommand(args: string): boolean {
    const [who, count, ...extra] = args.trim().split(/\s+/);
    const name = (who ?? '').replace(/^@/, '');
    if (!NAME_PATTERN.test(name) || extra.length > 0 || (count !== undefined && !/^\d{1,4}$/.test(count))) return this.refuse('INVALID_ARGUMENT', 'Usage: /history @name [n]');
    const limit = count === undefined ? HISTORY_PAGE : Math.min(Math.max(Number(count), 1), 1000);
    const session = this.usableSession(false);
    if (!session) return true;
    const store = session.account.conversations;
    // Each /history @name pages further back; after the first message, it starts again at the newest.
    const before = this.pages.get(nameKey(name));
    const page = store.history(name, limit, before === 0 ? undefined : before);
    this.pages.set(nameKey(name), page.start);
    store.markRead(name);
    this.transport.emit({
      type: 'direct-history',
      name: page.entries[0]?.peer ?? name,
      messages: page.entries.map((entry) => ({ id: entry.id, from: entry.payload.from, to: entry.payload.to, text: describe(entry.payload), time: entry.time, direction: entry.direction })),
      more: page.more,
    });
    return true;
  }

  private async blockCommand(verb: 'block' | 'unblock', args: string): Promise<boolean> {
    const name = args.trim().replace(/^@/, '');
    const reply = await this.transport.ask((id) => ({ type: 'command', id, name: verb, args }));
    if (!reply) return false;
    // The profile keeps its own list, so this device drops anything from a blocked name that
    // a server (or an older one, without blocks) still delivers.
    const contacts = this.session?.account.contacts;
    if (contacts && NAME_PATTERN.test(name)) {
      if (verb === 'block' && reply.type === 'ack') contacts.block(name);
      if (verb === 'unblock' && (reply.type === 'ack' || (reply.type === 'error' && reply.code === 'NOT_BLOCKED'))) contacts.unblock(name);
    }
    return true;
  }

  /**
   * Fetch the published devices of `names` (cached for the connection unless `fresh`). Undefined:
   * the connection dropped first; false: the server refused (its error was shown).
   */
  private async lookup(names: readonly string[], fresh: boolean): Promise<Map<string, Published> | false | undefined> {
    const wanted = fresh ? names : names.filter((name) => !this.published.has(nameKey(name)));
    if (wanted.length > 0) {
      const reply = await this.transport.ask((id) => ({ type: 'devices-get', id, names: [...wanted] }), true);
      if (!reply) return undefined;
      if (reply.type !== 'devices') {
        this.lastRefusal = reply.type === 'error' && isErrorCode(reply.code) ? reply.code : undefined;
        this.transport.show(reply);
        return false;
      }
      for (const account of reply.accounts) {
        const devices = account.devices.map(({ id, key }) => ({ id, key }));
        try {
          for (const device of devices) checkDevicePublicKey(device);
        } catch (error) {
          this.transport.error('DEVICE_KEY_INVALID', error instanceof Error ? error.message : String(error));
          continue;
        }
        this.published.set(nameKey(account.name), { name: account.name, registered: account.registered, online: account.online, devices });
      }
    }
    return new Map(names.flatMap((name) => {
      const found = this.published.get(nameKey(name));
      return found ? [[nameKey(name), found] as const] : [];
    }));
  }

  /** Compare a name's published devices with the remembered ones and remember them; a change is said at once. */
  private remember(published: Published): KeyCheck {
    const session = this.session;
    if (!session) throw new Error('no device session');
    const check = session.account.contacts.observe(published.name, published.devices);
    if (check.status === 'first-use' || check.status === 'unchanged') return check;
    const self = nameKey(published.name) === nameKey(this.transport.name());
    // This device appearing in its own account's list is not news; neither is a removal there.
    const added = check.added.map((d) => d.id).filter((id) => !(self && id === session.key.id));
    if (self && added.length === 0) return check;
    const event: KeyChangedEvent = { type: 'key-changed', name: published.name, status: check.status, added, removed: check.removed.map((d) => d.id), wasVerified: check.wasVerified, self };
    this.transport.emit(event);
    return check;
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      this.transport.error('DECRYPT_FAILED', `A direct message could not be handled: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async receive(message: DirectDelivery, generation: number): Promise<void> {
    const session = this.session;
    if (!session?.usable || message.envelope.device !== session.key.id || generation === this.stalledGeneration) return;
    try {
      await this.open(session, message);
    } catch (error) {
      // Nothing from this seq on counts as kept: the server delivers it again after the reconnect.
      if (error instanceof ConnectionDropped) {
        this.stalledGeneration = generation;
        return;
      }
      throw error;
    }
    if (generation !== this.stalledGeneration) this.kept(message.seq);
  }

  private async open(session: Session, message: DirectDelivery): Promise<void> {
    const me = this.transport.name();
    const store = session.account.conversations;
    if (store.seen(message.messageId)) return;
    const own = nameKey(message.from) === nameKey(me);
    if (!own && session.account.contacts.isBlocked(message.from)) return;
    const sender = await this.senderDevice(message);
    if (!sender) return this.dropped(message.from, 'it came from a device that is not one of theirs');
    let payload: DirectPayload | undefined;
    try {
      payload = parseDirectPayload(await openDirect(session.key, sender, { messageId: message.messageId, time: message.time, fileId: message.fileId }, message.body, message.envelope));
    } catch (error) {
      if (error instanceof PartyPoolError && (error.code === 'DECRYPT_FAILED' || error.code === 'DEVICE_KEY_INVALID')) return this.dropped(message.from, 'it was altered, or not sealed for this device');
      throw error;
    }
    if (!payload || (payload.kind === 'text' && 'error' in checkText(payload.text, DIRECT_TEXT_MAX))) return this.dropped(message.from, 'its content is not a message');
    // The routing's file id is sealed into the message; the payload must name the same file.
    if ((payload.kind === 'file') !== (message.fileId !== undefined) || (payload.kind === 'file' && payload.file.id !== message.fileId)) return this.dropped(message.from, 'it names another file than it was sent for');
    // The sender's device is one of `from`'s, so the payload's names can differ only by a
    // rename since it was sealed: shown as "sent as".
    const peer = own ? message.to : message.from;
    const entry: ConversationEntry = { id: message.messageId, peer, direction: own ? 'out' : 'in', device: message.fromDevice, time: message.time, payload: own ? payload : { ...payload, from: message.from } };
    if (own && nameKey(payload.to) !== nameKey(peer)) entry.payload.to = peer;
    if (store.accept(entry) === 'duplicate') return;
    const event: DirectMessageEvent = {
      type: 'direct',
      id: message.messageId,
      from: message.from,
      to: message.to,
      text: describe(payload),
      time: message.time,
      direction: own ? 'out' : 'in',
      ...(nameKey(payload.from) !== nameKey(message.from) ? { sentAs: payload.from } : {}),
      ...(message.stored ? { stored: true } : {}),
      ...(payload.kind === 'file' ? { file: { id: payload.file.id, name: payload.file.name, size: payload.file.size, sha256: payload.file.sha256 } } : {}),
    };
    this.transport.emit(event);
  }

  /**
   * The sending device's key: remembered for that name, or among the devices the server
   * publishes for it now (a change is said first). A name nobody has any more (a guest who
   * left) is trusted with the key the message came with, on first use.
   */
  private async senderDevice(message: DirectDelivery): Promise<DevicePublicKey | undefined> {
    const session = this.session;
    if (!session) return undefined;
    const known = session.account.contacts.devices(message.from)?.find((device) => device.id === message.fromDevice);
    if (known) return known;
    const found = await this.lookup([message.from], true);
    if (found === undefined) throw new ConnectionDropped();
    const published = found === false ? undefined : found.get(nameKey(message.from));
    if (published && (published.registered || published.online)) {
      this.remember(published);
      return published.devices.find((device) => device.id === message.fromDevice);
    }
    if (message.fromKey === undefined) return undefined;
    const device = { id: message.fromDevice, key: message.fromKey };
    try {
      checkDevicePublicKey(device);
    } catch {
      return undefined;
    }
    this.remember({ name: message.from, registered: false, online: false, devices: [...(session.account.contacts.devices(message.from) ?? []), device] });
    return device;
  }

  private dropped(from: string, why: string): void {
    if (this.droppedFrom.has(nameKey(from))) return;
    this.droppedFrom.add(nameKey(from));
    // One sentence per burst: cleared once the queue has caught up.
    void this.queue.then(() => this.droppedFrom.delete(nameKey(from)));
    this.transport.error('DECRYPT_FAILED', `A direct message from ${from} could not be opened and was dropped (${why}).`);
  }

  private kept(seq: number): void {
    if (seq <= this.keptUpTo) return;
    this.keptUpTo = seq;
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => this.flush(), this.ackIntervalMs);
    this.ackTimer.unref();
  }

  private synced(direct: SyncedDirect): void {
    // Everything stored for this device came before `synced`: once it is handled, acknowledge at once.
    const generation = this.generation;
    this.enqueue(async () => {
      if (generation === this.stalledGeneration || !this.session?.usable) return;
      if (direct.truncated) this.transport.emit({ type: 'direct-notice', text: 'Some direct messages for this device were deleted by the server before it fetched them (they waited longer than it keeps them).' });
      this.keptUpTo = Math.max(this.keptUpTo, direct.lastSeq);
      this.flush();
      await Promise.resolve();
    });
  }

  /** Save the cursor, then tell the server (if connected) it may free what was kept. */
  private flush(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const session = this.session;
    if (!session || this.keptUpTo === 0 || !session.usable) return;
    const upTo = this.keptUpTo;
    try {
      if (upTo > session.account.directCursor()) session.account.setDirectCursor(upTo);
    } catch (error) {
      this.transport.error('PROFILE_UNUSABLE', error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.connected) this.transport.post({ type: 'direct-ack', upTo });
  }

  private renamed(from: string, to: string): void {
    const session = this.session;
    if (!session) return;
    this.published.delete(nameKey(from));
    this.pages.delete(nameKey(from));
    try {
      if (nameKey(from) === nameKey(this.transport.name()) || nameKey(from) === nameKey(session.account.name)) {
        // This account was renamed: its folder (device key included) moves with it.
        if (this.options.profile.renameAccount(session.serverId, session.account.name, to)) {
          session.release();
          const account = this.options.profile.account(session.serverId, to);
          this.session = { ...session, account, release: account.lock() };
        }
        return;
      }
      session.account.contacts.rename(from, to);
      session.account.conversations.rename(from, to);
    } catch (error) {
      if (error instanceof PartyPoolError) this.transport.error(error.code, error.message);
      else throw error;
    }
  }

  private usableSession(needConnection = true): Session | undefined {
    const session = this.session;
    if (session && (session.usable || !needConnection)) {
      if (!needConnection || this.connected) return session;
    }
    this.refuse('DEVICE_REQUIRED', session ? 'Direct messages are off in this session (see the message at login).' : 'Direct messages are off: this client has no profile for this server and name, or the server is too old for them.');
    return undefined;
  }

  private refuse(code: ErrorCode, message?: string): true {
    this.transport.error(code, message ?? defaultSentence(code));
    return true;
  }

  private release(): void {
    this.session?.release();
    this.session = undefined;
    this.keptUpTo = 0;
  }
}

/** How sending one sealed message ended. */
type SendOutcome =
  | { readonly kind: 'sent'; readonly entry: ConversationEntry; readonly reply: Extract<ServerMessage, { type: 'ack' }> }
  /** Refused on this side, before anything was sent. */
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message?: string }
  /** Refused by the server while looking up devices (its error was shown). */
  | { readonly kind: 'shown'; readonly code: ErrorCode; readonly message: string }
  /** The server refused the message itself. */
  | { readonly kind: 'answered'; readonly reply: ServerMessage }
  /** The connection dropped first. */
  | { readonly kind: 'dropped' };

/** The connection dropped while a message was being opened (it was not kept). */
class ConnectionDropped extends Error {}

function describe(payload: DirectPayload): string {
  return payload.kind === 'text' ? payload.text : `[file] ${payload.file.name} (${formatSize(payload.file.size)}) — /get ${payload.file.id}`;
}

function defaultSentence(code: ErrorCode): string {
  return new PartyPoolError(code).message;
}
