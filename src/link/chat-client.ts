// A logged-in chat client: one connection at a time (pin.ts, server-link.ts, login.ts), its
// requests tracked until the server answers them (request-tracker.ts), its rooms followed
// (room-state.ts), and when asked a reconnect that keeps the name (reconnector.ts). User
// interfaces (the chat screen, line mode, the root console) sit on top.
import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import { config } from '../../config.js';
import { ErrorCodes, PartyPoolError, isPasswordRefusal, isServerUnavailable, mayReconnectAfter, type ErrorCode } from '../common/errors.js';
import { accountBinding, clientFinishLogin, clientFinishRegistration, clientStartLogin, clientStartRegistration, type Stretching } from '../crypto/opaque.js';
import { computePrehash } from '../crypto/password.js';
import { OPAQUE_PROTOCOL_VERSION, type PrehashParams } from '../protocol/account-exchange.js';
import type { DirectEvent } from '../protocol/direct-events.js';
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { nameKey } from '../protocol/names.js';
import { checkPassword } from '../protocol/passwords.js';
import { isLobby } from '../protocol/rooms.js';
import { splitWords } from '../protocol/words.js';
import { channelBinding } from '../crypto/auth-proof.js';
import { DirectChat, type DirectOptions } from './direct-chat.js';
import type { DirectFileChannel } from './direct-files.js';
import { KeyCache, login, registrationStretching, toStretching, type AccountProof, type Credentials, type Welcome } from './login.js';
import { openPinnedConnection, type PinnedTarget } from './pin.js';
import { Reconnector } from './reconnector.js';
import { RequestTracker, type ReplyEffect } from './request-tracker.js';
import { RoomState } from './room-state.js';
import { ServerLink, ServerRefusal } from './server-link.js';
import { retryingText } from '../cli/error-text.js';

/** Where the account password comes from: given up front, and/or asked when the server wants it. */
export interface AccountSource {
  /** From PARTY_POOL_PASSWORD or --password-file. */
  password?: string | undefined;
  /** Register the name with `password` at login if it is not registered yet. */
  register?: boolean;
  /** Ask a person (hidden prompt) after PASSWORD_REQUIRED and the like; undefined gives up. */
  ask?: (name: string, refusal: ServerRefusal) => Promise<AccountProof | undefined>;
}

export interface ChatClientOptions {
  pin: PinnedTarget;
  credentials: Credentials;
  role: 'user' | 'root';
  chooseName: (refusal?: ServerRefusal) => Promise<string | undefined>;
  reconnect: boolean;
  account?: AccountSource;
  /** Injected for tests: the random source for backoff jitter. */
  random?: () => number;
  /** Injected for tests: the first reconnect delay (default from config.ts). */
  reconnectInitialDelayMs?: number;
  /** Injected for tests: how a reconnect waits out its delay (default: a timer). */
  reconnectSleep?: (ms: number) => Promise<void>;
  /** Derived keys to reuse (a test derives them before a short login window opens). */
  keyCache?: KeyCache;
  /** Injected for tests: the least Argon2id new passwords are stretched with (default: config.login.keyStretching). */
  stretchingFloor?: Stretching;
  /** End-to-end direct messages (protocol 3, users): the per-user profile that holds this device's key. */
  direct?: DirectOptions;
  /** Each new connection, before it logs in (the server's own dashboard names its connection to the server). */
  onConnected?: (socket: TLSSocket) => void;
  /**
   * Keep trying the first connection while the server is not there (not answering, shutting
   * down, full), with the same backoff as after a drop; 'retrying' says when. Off: the first
   * failure is the answer (line mode exits 4).
   */
  retryFirstConnect?: boolean;
}

/** After these a first connection is tried again: the server is not there, or busy (the registry's `unavailable`). */
function firstConnectRetryable(error: unknown): boolean {
  return error instanceof PartyPoolError && isServerUnavailable(error instanceof ServerRefusal ? error.serverCode : error.code);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How often a first login that finds the server's login work full (BUSY) is tried again. */
const BUSY_RETRIES = 5;

interface ClientEvents {
  message: [ServerMessage];
  invalid: [string];
  /** The connection dropped (or a reconnect attempt failed); `retryInMs` is set when another attempt is scheduled. */
  disconnected: [{ reason: string; retryInMs?: number; attempt?: number }];
  /** The first connection failed and is tried again in `retryInMs` (retryFirstConnect). */
  retrying: [{ reason: string; retryInMs: number }];
  reconnected: [Welcome];
  closed: [{ code: string; message: string }];
  /** The name or the current room changed (update the prompt). */
  status: [];
  /** Direct messages: a message opened or sent, a safety number, a key change, a list (direct-chat.ts). */
  direct: [DirectEvent];
}

/** Client-side commands of direct messages, added to the server's `/help` when they are available. */
const DIRECT_HELP = [
  { usage: '/msg <name> <text>', help: 'Send an end-to-end encrypted direct message (also /dm). /msg alone lists your conversations.' },
  { usage: '/history @name [n]', help: 'Page back through your direct messages with someone (kept on this device).' },
  { usage: '/verify <name> [confirm]', help: 'Show the safety number to compare with someone; "confirm" marks them verified.' },
];

export class ChatClient extends EventEmitter<ClientEvents> {
  private link: ServerLink | undefined;
  private readonly keyCache: KeyCache;
  private readonly requests = new RequestTracker();
  private readonly reconnector: Reconnector;
  private stopped = false;
  /** Ends a first connection in progress (stop() while start() runs). */
  private cancelStart: (() => void) | undefined;
  /** This client asked the server to shut down: its goodbye then ends the client instead of a reconnect. */
  private shutdownExpected = false;
  private lastBye: { code: string; message: string } | undefined;
  /** Messages that arrived with or after `welcome`, before the caller could listen. */
  private backlog: ServerMessage[] | undefined;
  /** The account password, kept in memory so a reconnect can log in again. */
  private password: string | undefined;
  private loggedInOnce = false;
  /** Register the name with the password at the next first login (--register, or a prompt). */
  private registerAtLogin: boolean;
  /** The name the last login attempt used (a password prompt keeps it). */
  private lastTriedName: string | undefined;
  /** A migrated account logged in over its scrypt prehash: /password proves the old password over it. */
  private prehash: PrehashParams | undefined;
  name = '';
  /** Rooms, the current room, and how far this client has read in each. */
  readonly rooms = new RoomState();
  /** End-to-end direct messages, when the client was given a profile (users only). */
  readonly direct: DirectChat | undefined;
  /** Resolves once the login sync is over (`synced`, and every direct message it brought handled). */
  private syncedOnce: Promise<void>;
  /** Requests whose answers the direct-message layer handles itself (not shown as they come). */
  private readonly quietRefs = new Set<number>();
  private markSynced: () => void = () => undefined;

  constructor(private readonly options: ChatClientOptions) {
    super();
    this.syncedOnce = new Promise((resolve) => (this.markSynced = resolve));
    this.direct = options.direct && options.role === 'user' ? new DirectChat(options.direct, this.directTransport()) : undefined;
    this.keyCache = options.keyCache ?? new KeyCache();
    this.reconnector = new Reconnector({
      initialDelayMs: options.reconnectInitialDelayMs ?? config.client.reconnectInitialDelayMs,
      maxDelayMs: config.client.reconnectMaxDelayMs,
      random: options.random ?? Math.random,
      ...(options.reconnectSleep ? { sleep: options.reconnectSleep } : {}),
    });
    this.password = options.account?.password;
    this.registerAtLogin = options.account?.register === true;
  }

  /**
   * Files to one person (issue 14) travel with their key in a direct message: the channel
   * FileTransfers takes. Undefined when this session has no usable device (no profile, the
   * profile in use by another program, the device refused, a server without direct messages).
   */
  get directFiles(): DirectFileChannel | undefined {
    return this.direct?.files;
  }

  /** The protocol version of the current connection. */
  get protocol(): number {
    return this.link?.protocol ?? 1;
  }

  /** Connect and log in; rejects with a PartyPoolError whose exit code the CLI uses. */
  async start(): Promise<Welcome> {
    let chooseName = this.options.chooseName;
    let busyRetries = 0;
    for (;;) {
      try {
        return await this.firstConnect(chooseName);
      } catch (error) {
        // The server's login work is full for a moment: wait as it says (a few times), then try again.
        if (error instanceof ServerRefusal && error.serverCode === 'BUSY' && busyRetries < BUSY_RETRIES) {
          busyRetries += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.min(error.details.retryAfterMs ?? 1000, 10_000) * (0.5 + (this.options.random ?? Math.random)())));
          continue;
        }
        // The server wants a password for this name (or a new one, to register it). Ask with
        // no connection open, so a person can take their time, then log in again.
        const ask = this.options.account?.ask;
        const name = this.lastTriedName;
        const answer = error instanceof ServerRefusal && isPasswordRefusal(error.serverCode) && ask && name !== undefined ? await ask(name, error) : undefined;
        if (!answer) {
          // No login: the device this attempt locked is free for another program again.
          this.direct?.close();
          throw error;
        }
        this.password = answer.password;
        this.registerAtLogin = answer.register === true;
        chooseName = (refusal) => (refusal ? this.options.chooseName(refusal) : Promise.resolve(name));
      }
    }
  }

  /**
   * The first connection; with retryFirstConnect a server that is not there yet is waited for,
   * like a lost one. stop() ends it at once with CANCELLED (an attempt still under way is closed
   * when it completes).
   */
  private async firstConnect(chooseName: ChatClientOptions['chooseName']): Promise<Welcome> {
    if (this.stopped) throw new PartyPoolError('CANCELLED');
    const cancelled = new Promise<never>((_, reject) => (this.cancelStart = () => reject(new PartyPoolError('CANCELLED'))));
    // Nobody may be left waiting on it once start() is over.
    cancelled.catch(() => undefined);
    try {
      return await Promise.race([this.retryingFirstConnect(chooseName), cancelled]);
    } finally {
      this.cancelStart = undefined;
    }
  }

  private async retryingFirstConnect(chooseName: ChatClientOptions['chooseName']): Promise<Welcome> {
    try {
      return await this.connectUnlessStopped(chooseName);
    } catch (error) {
      if (this.stopped) throw new PartyPoolError('CANCELLED');
      if (!this.options.retryFirstConnect || !firstConnectRetryable(error)) throw error;
      const welcome = await this.reconnector.run(() => this.connectUnlessStopped(chooseName), {
        waiting: (attempt, waitMs, lastError) => this.emit('retrying', { reason: messageOf(attempt === 1 ? error : lastError), retryInMs: waitMs }),
        mayRetry: firstConnectRetryable,
        stopped: () => this.stopped,
      });
      if (!welcome) throw new PartyPoolError('CANCELLED');
      return welcome;
    }
  }

  /** Connect; a login that completes after stop() (the person gave up meanwhile) is closed again. */
  private async connectUnlessStopped(chooseName: ChatClientOptions['chooseName']): Promise<Welcome> {
    const welcome = await this.connect(chooseName);
    if (this.stopped) {
      this.link?.close();
      throw new PartyPoolError('CANCELLED');
    }
    return welcome;
  }

  private async connect(chooseName: ChatClientOptions['chooseName'], reconnecting = false): Promise<Welcome> {
    const socket = await openPinnedConnection(this.options.pin);
    this.options.onConnected?.(socket);
    const link = new ServerLink(socket);
    // History and `synced` follow `welcome` closely, often in the same read: keep them.
    let welcomed = false;
    const early: ServerMessage[] = [];
    const collect = (message: ServerMessage): void => {
      if (welcomed) early.push(message);
      else if (message.type === 'welcome') welcomed = true;
    };
    link.on('message', collect);
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await login(link, {
        role: this.options.role,
        credentials: this.options.credentials,
        keyCache: this.keyCache,
        chooseName: async (refusal) => (this.lastTriedName = await chooseName(refusal)),
        account: (_name, refusal) => Promise.resolve(this.accountFor(refusal, reconnecting)),
        // After a drop: exactly what we missed. The first login gets each room's recent messages.
        ...(this.loggedInOnce ? { resume: () => this.rooms.resumePoints() } : {}),
        ...(this.options.stretchingFloor ? { stretchingFloor: this.options.stretchingFloor } : {}),
        ...(this.direct ? { direct: (serverId: string, name: string) => this.direct?.prepare(serverId, name) ?? Promise.resolve(undefined) } : {}),
      });
    } catch (error) {
      link.socket.destroy();
      throw error;
    } finally {
      link.off('message', collect);
    }
    const welcome = result.welcome;
    this.prehash = undefined;
    this.name = welcome.name;
    this.lastBye = undefined;
    this.link = link;
    this.loggedInOnce = true;
    this.direct?.welcomed(welcome, link.protocol);
    // An older server sends no `synced` (protocol 1): nothing to wait for.
    if (link.protocol < 2) this.markSynced();
    // Pass the early messages on once the caller has had a chance to listen (after start() or
    // 'reconnected'); anything newer queues behind them so the order holds.
    this.backlog = early;
    link.on('message', (message) => (this.backlog ? this.backlog.push(message) : this.onMessage(message)));
    link.on('invalid', (detail) => this.emit('invalid', detail));
    link.on('close', () => this.onClose(link));
    setImmediate(() => this.releaseBacklog());
    // A migrated account (its password was an scrypt hash): register a fresh record with the
    // password now, over this authenticated session, so the account gets full OPAQUE strength.
    if (result.migrated) {
      const migrated = result.migrated;
      this.prehash = migrated.prehash;
      setImmediate(() => void this.changePasswordOver(migrated.prehashInput, migrated.password, true).catch(() => undefined));
    }
    return welcome;
  }

  private releaseBacklog(): void {
    while (this.backlog && this.backlog.length > 0) {
      const message = this.backlog.shift();
      if (message) this.onMessage(message);
    }
    this.backlog = undefined;
  }

  /** The password at hand for a login; after a refusal, none (start() asks, reconnects give up). */
  private accountFor(refusal: ServerRefusal | undefined, reconnecting: boolean): AccountProof | undefined {
    if (refusal || this.password === undefined) return undefined;
    const register = !reconnecting && this.registerAtLogin;
    return { password: this.password, ...(register ? { register: true } : {}) };
  }

  private onMessage(message: ServerMessage): void {
    if (message.type === 'ping') {
      this.link?.send({ type: 'pong' });
      return;
    }
    // The steps of a password exchange are this client's business.
    if (message.type === 'account-challenge' || message.type === 'account-registration') {
      this.requests.reply(message);
      return;
    }
    if (message.type === 'bye') this.lastBye = { code: message.code, message: message.message };
    if ('ref' in message && message.ref !== undefined && this.quietRefs.delete(message.ref)) {
      this.requests.reply(message);
      return;
    }
    if (this.direct?.handle(message)) {
      this.requests.reply(message);
      return;
    }
    if (message.type === 'synced') {
      if (this.direct) void this.direct.idle().then(() => this.markSynced());
      else this.markSynced();
    }
    const renamed = message.type === 'rename' && nameKey(message.from) === nameKey(this.name);
    if (renamed) this.name = message.to;
    const shown = message.type === 'help' && this.direct?.available === true ? { ...message, commands: [...message.commands, ...DIRECT_HELP] } : message;
    const change = this.rooms.apply(shown, this.name);
    if (change.message) this.emit('message', change.message);
    if (renamed || change.currentChanged) this.emit('status');
    this.requests.reply(message);
  }

  private onClose(link: ServerLink): void {
    if (link !== this.link) return;
    // A goodbye still queued behind the login decides how this ends.
    this.releaseBacklog();
    this.link = undefined;
    this.requests.dropAll();
    this.quietRefs.clear();
    this.direct?.disconnected();
    const bye = this.lastBye;
    const ownShutdown = this.shutdownExpected && (bye?.code === 'SHUTDOWN' || bye === undefined);
    if (this.stopped || (bye && !mayReconnectAfter(bye.code)) || ownShutdown || !this.options.reconnect) {
      this.stopped = true;
      // The session is over: another program may use this device now.
      this.direct?.close();
      this.emit('closed', bye ?? (ownShutdown ? { code: 'SHUTDOWN', message: 'The server shut down.' } : { code: 'CONNECTION_LOST', message: 'The connection to the server was lost.' }));
      return;
    }
    void this.reconnectLoop(bye?.message ?? 'The connection to the server was lost.');
  }

  private async reconnectLoop(reason: string): Promise<void> {
    try {
      const welcome = await this.reconnector.run(() => this.connect((refusal) => Promise.resolve(refusal ? undefined : this.name), true), {
        waiting: (attempt, waitMs, lastError) => this.emit('disconnected', { reason: attempt === 1 ? reason : messageOf(lastError), retryInMs: waitMs, attempt }),
        // Only a refusal the registry calls final ends the retries; anything else may pass.
        mayRetry: (error) => !(error instanceof PartyPoolError && !mayReconnectAfter(error.code)),
        stopped: () => this.stopped,
      });
      if (welcome) this.emit('reconnected', welcome);
    } catch (error) {
      this.stopped = true;
      this.direct?.close();
      const code = error instanceof PartyPoolError ? error.code : 'CONNECTION_LOST';
      this.emit('closed', { code, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** The session is over for good: no connection, and none coming (left, or reconnecting gave up or is off). */
  get finished(): boolean {
    return this.stopped && this.link === undefined;
  }

  get connected(): boolean {
    return this.link !== undefined && !this.link.closed;
  }

  /**
   * Send a chat line (to the current room); resolves true once the server answered it (ack or
   * error), false if the connection dropped first. `onReply` sees the answer (an error: refused).
   */
  say(text: string, onReply?: ReplyEffect): Promise<boolean> {
    const room = this.protocol >= 2 && !isLobby(this.rooms.current) ? this.rooms.current : undefined;
    return this.request((id) => ({ type: 'say', id, text, ...(room === undefined ? {} : { room }) }), onReply);
  }

  /**
   * This client asked the server to shut down (a root's close-server): when the server says
   * goodbye, end instead of reconnecting. False again after a cancel-shutdown.
   */
  expectShutdown(expected: boolean): void {
    this.shutdownExpected = expected;
  }

  /** Plain lines go to `room` now (the prompt follows); the previous room, to go back on a refusal. */
  private moveTo(room: string): string {
    const previous = this.rooms.current;
    this.rooms.current = room;
    this.emit('status');
    return previous;
  }

  /**
   * Send a command; resolves like `say`. `/history` gets the current room (and, for `/history
   * more`, where the last page started); `/register` and `/password` remember the new password for
   * reconnects; `/join` and `/create` move plain lines to the room, like `/switch`.
   */
  command(name: string, args: string, onReply?: ReplyEffect): Promise<boolean> {
    const direct = this.direct?.command(name, args);
    if (direct) return direct;
    if (name === 'register' || name === 'password') {
      // The password stays here: protocol 3 runs an OPAQUE exchange, older servers get nothing.
      if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
      const words = splitWords(args) ?? [];
      const [first, second] = words;
      if (name === 'register' && words.length === 1 && first !== undefined) return this.register(first, onReply);
      // One word: only check the current password (a client asks it before the new one).
      if (name === 'password' && words.length === 1 && first !== undefined) return this.checkCurrentPassword(first, onReply);
      if (name === 'password' && words.length === 2 && first !== undefined && second !== undefined) return this.changePassword(first, second, onReply);
      const wanted = name === 'register' ? 1 : 2;
      return this.refuseHere(words.length < wanted ? 'MISSING_ARGUMENT' : 'TOO_MANY_ARGUMENTS', `Usage: ${name === 'register' ? '/register <password>' : '/password <old> <new>'} (quote passwords that contain spaces).`);
    }
    let effect: ReplyEffect | undefined;
    let wireArgs = args;
    if (this.protocol >= 2 && name === 'history') wireArgs = this.rooms.historyArgs(args);
    // `/files` alone lists the room you are looking at.
    if (this.protocol >= 3 && name === 'files' && args.trim() === '') wireArgs = this.rooms.current;
    const target = this.protocol >= 2 && name === 'switch' ? splitWords(args) : undefined;
    if (target?.length === 1 && target[0]?.startsWith('#')) {
      // Lines typed right after /switch go to the new room, without waiting for the reply
      // (line mode sends everything at once); a refusal switches back.
      const [previous, next] = [this.rooms.current, target[0]];
      this.rooms.current = next;
      this.emit('status');
      effect = (reply) => {
        if (reply.type === 'error' && this.rooms.current === next) {
          this.rooms.current = previous;
          this.emit('status');
        }
      };
    }
    if (this.protocol >= 2 && (name === 'join' || name === 'create')) effect = this.joinEffect(name, args);
    const both: ReplyEffect | undefined = effect && onReply ? (reply) => (effect(reply), onReply(reply)) : (effect ?? onReply);
    return this.request((id) => ({ type: 'command', id, name, args: wireArgs }), both);
  }

  /**
   * `/join #room` and `/create #room` switch at once (the lines after them go there, as after
   * /switch) and back on a refusal; an invite code switches when the server names the room.
   */
  private joinEffect(name: 'join' | 'create', args: string): ReplyEffect {
    const target = splitWords(args)?.[0];
    const byName = target?.startsWith('#') === true;
    const previous = byName && target ? this.moveTo(target) : undefined;
    // Where this request left the prompt: a reply only moves it if nothing moved it since.
    const expected = this.rooms.current;
    return (reply) => {
      if (reply.type === 'joined') {
        // The server's spelling of the room (#Games -> #games), or the room an invite code named.
        if (this.rooms.current === expected && this.rooms.current !== reply.room) this.moveTo(reply.room);
      } else if (reply.type === 'error' && previous !== undefined && this.rooms.current === target) {
        // Already a member: that room is where the person wanted to be anyway.
        if (!(name === 'join' && reply.code === 'ALREADY_MEMBER')) this.moveTo(previous);
      }
    };
  }

  /** Send a command and resolve with the server's answer to it; undefined when the connection dropped first. */
  async ask(name: string, args: string): Promise<ServerMessage | undefined> {
    let answer: ServerMessage | undefined;
    const answered = await this.request((id) => ({ type: 'command', id, name, args }), (reply) => (answer = reply));
    return answered ? answer : undefined;
  }

  /**
   * Send a request built around a fresh id; resolves with the server's answer to it (its `ack`,
   * `error` or reply), or undefined when the connection dropped first. `quiet`: the answer is not
   * shown (the client's own requests).
   */
  exchange(build: (id: number) => ClientMessage, quiet = false): Promise<ServerMessage | undefined> {
    return new Promise((resolve, reject) => {
      let answer: ServerMessage | undefined;
      this.request(
        (id) => {
          if (quiet) this.quietRefs.add(id);
          return build(id);
        },
        (reply) => (answer = reply),
      ).then((answered) => resolve(answered ? answer : undefined), reject);
    });
  }

  /** Send a message that gets no reply of its own (a file chunk, possibly encoded already); false when not connected. */
  post(message: ClientMessage | Buffer): boolean {
    const link = this.link;
    if (!link || link.closed) return false;
    if (Buffer.isBuffer(message)) link.sendFrame(message);
    else link.send(message);
    return true;
  }

  /** Stop reading from the server while `hold` (a download waiting for a slow disk), then go on. */
  holdInput(hold: boolean): void {
    const socket = this.link?.socket;
    if (!socket || socket.destroyed) return;
    if (hold) socket.pause();
    else socket.resume();
  }

  /**
   * Register the current name. Protocol 3: an OPAQUE registration (the password never leaves this
   * program); resolves once the server answered (account registered, or an error shown as usual).
   * `onReply` sees the final answer.
   */
  async register(password: string, onReply?: ReplyEffect): Promise<boolean> {
    if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
    if (checkPassword(password, config.accounts.passwordMinLength, config.accounts.passwordMaxLength)) return this.refuseHere('PASSWORD_INVALID');
    const started = await clientStartRegistration(password);
    const first = await this.exchange((id) => ({ type: 'command', id, name: 'register', args: started.message }));
    if (first?.type !== 'account-registration') return this.answered(first, onReply);
    const stretching = registrationStretching(first.stretching, this.options.stretchingFloor);
    const record = await clientFinishRegistration(started.state, first.registrationResponse, password, toStretching(stretching));
    const done = await this.exchange((id) => ({ type: 'account-record', id, record, stretching }));
    if (done?.type === 'account') this.password = password;
    return this.answered(done, onReply);
  }

  /** Change the password: prove the current one by OPAQUE, then register the new one (protocol 3). */
  async changePassword(oldPassword: string, newPassword: string, onReply?: ReplyEffect): Promise<boolean> {
    if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
    if (checkPassword(newPassword, config.accounts.passwordMinLength, config.accounts.passwordMaxLength)) return this.refuseHere('PASSWORD_INVALID');
    const oldInput = await this.oldPasswordInput(oldPassword);
    if (oldInput === undefined) return this.refuseHere('INVALID_ARGUMENT', 'The server named password parameters outside the safe range.');
    return this.changePasswordOver(oldInput, newPassword, false, onReply);
  }

  /**
   * Is `oldPassword` the current password? Proven by OPAQUE like the first half of /password (a
   * wrong one counts as a failed login); asked before a person types the new one. `onReply` sees
   * the answer: `ack`, or an error such as OLD_PASSWORD_WRONG.
   */
  async checkCurrentPassword(oldPassword: string, onReply?: ReplyEffect): Promise<boolean> {
    if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
    const oldInput = await this.oldPasswordInput(oldPassword);
    if (oldInput === undefined) return this.refuseHere('INVALID_ARGUMENT', 'The server named password parameters outside the safe range.');
    return this.changePasswordOver(oldInput, undefined, false, onReply);
  }

  /** The OPAQUE input for the current password: itself, or a migrated account's prehash of it (undefined: unsafe parameters). */
  private async oldPasswordInput(oldPassword: string): Promise<string | undefined> {
    try {
      return this.prehash ? await computePrehash(oldPassword, this.prehash) : oldPassword;
    } catch {
      return undefined;
    }
  }

  /**
   * The exchange behind /password, over the old password's OPAQUE input; no `newPassword`: only
   * prove the old one. `upgrade`: the client's own (a migrated account's), its answers not shown.
   */
  private async changePasswordOver(oldInput: string, newPassword: string | undefined, upgrade: boolean, onReply?: ReplyEffect): Promise<boolean> {
    const login = await clientStartLogin(oldInput);
    const flags = [...(this.prehash ? ['prehashed'] : []), ...(upgrade ? ['upgrade'] : [])];
    const challenge = await this.exchange((id) => ({ type: 'command', id, name: 'password', args: [login.message, ...flags].join(' ') }), upgrade);
    if (challenge?.type !== 'account-challenge') return this.answered(challenge, onReply);
    const link = this.link;
    const finished = await clientFinishLogin(login.state, challenge.ke2, oldInput, toStretching(challenge.stretching));
    if (!finished || !link) {
      // The old password did not open the record: say so (the server counts it), send nothing that depends on it.
      return this.answered(await this.exchange((id) => ({ type: 'account-finish', id }), upgrade), onReply);
    }
    const binding = accountBinding(finished.sessionKey, { role: 'user', name: this.name, channelBinding: channelBinding(link.socket) });
    if (newPassword === undefined) return this.answered(await this.exchange((id) => ({ type: 'account-finish', id, ke3: finished.ke3, binding }), upgrade), onReply);
    const registration = await clientStartRegistration(newPassword);
    const response = await this.exchange((id) => ({ type: 'account-finish', id, ke3: finished.ke3, binding, registrationRequest: registration.message }), upgrade);
    if (response?.type !== 'account-registration') return this.answered(response, onReply);
    const stretching = registrationStretching(response.stretching, this.options.stretchingFloor);
    const record = await clientFinishRegistration(registration.state, response.registrationResponse, newPassword, toStretching(stretching));
    const done = await this.exchange((id) => ({ type: 'account-record', id, record, stretching }), upgrade);
    if (done?.type === 'account') {
      this.password = newPassword;
      this.prehash = undefined;
    }
    return this.answered(done, onReply);
  }

  /** The end of an exchange: `onReply` sees the final answer; false when the connection dropped first. */
  private answered(reply: ServerMessage | undefined, onReply: ReplyEffect | undefined): boolean {
    if (reply !== undefined) onReply?.(reply);
    return reply !== undefined;
  }

  /** An error this client decided on its own, shown like the server's, as a command's result. */
  private refuseHere(code: ErrorCode, message?: string): Promise<boolean> {
    return Promise.resolve(this.localError(code, message ?? ErrorCodes[code].message));
  }

  /** Never send a password to a server older than protocol 3 (a forged server may pretend to be). */
  private tooOldToSend(): Promise<boolean> {
    return this.refuseHere('CLIENT_TOO_OLD', 'This server does not speak protocol 3, so this program will not send it a password. Ask the admin to update the server.');
  }

  private request(build: (id: number) => Parameters<ServerLink['send']>[0], effect?: ReplyEffect): Promise<boolean> {
    const link = this.link;
    if (!link) return Promise.reject(new PartyPoolError('CONNECTION_LOST', 'Not connected; the message was not sent.'));
    const { id, answered } = this.requests.start(effect);
    link.send(build(id));
    return answered;
  }

  /** Send a direct message (what `/msg <name> <text>` does); resolves like `say`. */
  sendDirect(to: string, text: string): Promise<boolean> {
    if (!this.direct) return Promise.resolve(this.localError('DEVICE_REQUIRED', 'This client was started without a profile, so it cannot send direct messages.'));
    return this.direct.send(to, text);
  }

  /** Resolves once the first login's sync is over: `synced` came and every direct message it brought was handled. */
  settled(): Promise<void> {
    return this.syncedOnce;
  }

  /** An error raised on this side, shown like the server's (a code and a sentence). */
  private localError(code: ErrorCode, message: string): true {
    this.emit('message', { type: 'error', code, message });
    return true;
  }

  /** How direct messages reach the connection and the user interface. */
  private directTransport(): ConstructorParameters<typeof DirectChat>[1] {
    return {
      ask: async (build, quiet) => {
        let reply: ServerMessage | undefined;
        const send = (id: number): ClientMessage => {
          if (quiet) this.quietRefs.add(id);
          return build(id);
        };
        const answered = await this.request(send, (message) => (reply = message)).catch(() => false);
        return answered ? reply : undefined;
      },
      show: (message) => this.emit('message', message),
      post: (message: ClientMessage) => this.link?.send(message),
      name: () => this.name,
      error: (code, message) => void this.localError(code, message),
      emit: (event) => this.emit('direct', event),
    };
  }

  /** Leave: stop reconnecting (or retrying a first connection) and close the connection. */
  stop(): void {
    this.direct?.close();
    this.stopped = true;
    this.reconnector.wake();
    this.cancelStart?.();
    if (this.link) {
      this.link.send({ type: 'bye' });
      this.link.close();
    } else {
      this.emit('closed', { code: 'LEFT', message: 'Goodbye.' });
    }
  }
}

/**
 * Connect and log in at a terminal (the chat screen, the root console): a server that is not there
 * yet is tried again, saying why and when each time, until it answers or Ctrl-C ends the wait
 * (start() then rejects with CANCELLED).
 */
export async function startAtTerminal(client: ChatClient, say: (text: string) => void): Promise<Welcome> {
  const onRetry = ({ reason, retryInMs }: { reason: string; retryInMs: number }): void => say(retryingText(reason, retryInMs));
  const onInterrupt = (): void => client.stop();
  client.on('retrying', onRetry);
  // Between prompts the terminal is not in raw mode: Ctrl-C arrives as a signal.
  process.on('SIGINT', onInterrupt);
  try {
    return await client.start();
  } finally {
    process.off('SIGINT', onInterrupt);
    client.off('retrying', onRetry);
  }
}
