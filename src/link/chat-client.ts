// A logged-in chat client: one connection at a time (pin.ts, server-link.ts, login.ts), its
// requests tracked until the server answers them (request-tracker.ts), its rooms followed
// (room-state.ts), and when asked a reconnect that keeps the name (reconnector.ts). User
// interfaces (the chat screen, line mode, the root console) sit on top.
import { EventEmitter } from 'node:events';
import { config } from '../../config.js';
import { PartyPoolError, isPasswordRefusal, mayReconnectAfter } from '../common/errors.js';
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { nameKey } from '../protocol/names.js';
import { isLobby } from '../protocol/rooms.js';
import { quoteWords, splitWords } from '../protocol/words.js';
import { KeyCache, login, type AccountProof, type Credentials, type Welcome } from './login.js';
import { openPinnedConnection, type PinnedTarget } from './pin.js';
import { Reconnector } from './reconnector.js';
import { RequestTracker, type ReplyEffect } from './request-tracker.js';
import { RoomState } from './room-state.js';
import { ServerLink, ServerRefusal } from './server-link.js';

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
}

interface ClientEvents {
  message: [ServerMessage];
  invalid: [string];
  /** The connection dropped; `retryInMs` is set when a reconnect is scheduled. */
  disconnected: [{ reason: string; retryInMs?: number }];
  reconnected: [Welcome];
  closed: [{ code: string; message: string }];
  /** The name or the current room changed (update the prompt). */
  status: [];
}

export class ChatClient extends EventEmitter<ClientEvents> {
  private link: ServerLink | undefined;
  private readonly keyCache: KeyCache;
  private readonly requests = new RequestTracker();
  private readonly reconnector: Reconnector;
  private stopped = false;
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
  name = '';
  /** Rooms, the current room, and how far this client has read in each. */
  readonly rooms = new RoomState();

  constructor(private readonly options: ChatClientOptions) {
    super();
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

  /** The protocol version of the current connection. */
  get protocol(): number {
    return this.link?.protocol ?? 1;
  }

  /** Connect and log in; rejects with a PartyPoolError whose exit code the CLI uses. */
  async start(): Promise<Welcome> {
    let chooseName = this.options.chooseName;
    for (;;) {
      try {
        return await this.connect(chooseName);
      } catch (error) {
        // The server wants a password for this name (or a new one, to register it). Ask with
        // no connection open, so a person can take their time, then log in again.
        const ask = this.options.account?.ask;
        const name = this.lastTriedName;
        if (!(error instanceof ServerRefusal && isPasswordRefusal(error.serverCode) && ask && name !== undefined)) throw error;
        const answer = await ask(name, error);
        if (!answer) throw error;
        this.password = answer.password;
        this.registerAtLogin = answer.register === true;
        chooseName = (refusal) => (refusal ? this.options.chooseName(refusal) : Promise.resolve(name));
      }
    }
  }

  private async connect(chooseName: ChatClientOptions['chooseName'], reconnecting = false): Promise<Welcome> {
    const socket = await openPinnedConnection(this.options.pin);
    const link = new ServerLink(socket);
    // History and `synced` follow `welcome` closely, often in the same read: keep them.
    let welcomed = false;
    const early: ServerMessage[] = [];
    const collect = (message: ServerMessage): void => {
      if (welcomed) early.push(message);
      else if (message.type === 'welcome') welcomed = true;
    };
    link.on('message', collect);
    let welcome: Welcome;
    try {
      welcome = await login(link, {
        role: this.options.role,
        credentials: this.options.credentials,
        keyCache: this.keyCache,
        chooseName: async (refusal) => (this.lastTriedName = await chooseName(refusal)),
        account: (_name, refusal) => Promise.resolve(this.accountFor(refusal, reconnecting)),
        // After a drop: exactly what we missed. The first login gets each room's recent messages.
        ...(this.loggedInOnce ? { resume: () => this.rooms.resumePoints() } : {}),
      });
    } catch (error) {
      link.socket.destroy();
      throw error;
    } finally {
      link.off('message', collect);
    }
    this.name = welcome.name;
    this.lastBye = undefined;
    this.link = link;
    this.loggedInOnce = true;
    // Pass the early messages on once the caller has had a chance to listen (after start() or
    // 'reconnected'); anything newer queues behind them so the order holds.
    this.backlog = early;
    link.on('message', (message) => (this.backlog ? this.backlog.push(message) : this.onMessage(message)));
    link.on('invalid', (detail) => this.emit('invalid', detail));
    link.on('close', () => this.onClose(link));
    setImmediate(() => this.releaseBacklog());
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
    if (message.type === 'bye') this.lastBye = { code: message.code, message: message.message };
    const renamed = message.type === 'rename' && nameKey(message.from) === nameKey(this.name);
    if (renamed) this.name = message.to;
    const change = this.rooms.apply(message, this.name);
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
    const bye = this.lastBye;
    if (this.stopped || (bye && !mayReconnectAfter(bye.code)) || !this.options.reconnect) {
      this.stopped = true;
      this.emit('closed', bye ?? { code: 'CONNECTION_LOST', message: 'The connection to the server was lost.' });
      return;
    }
    void this.reconnectLoop(bye?.message ?? 'The connection to the server was lost.');
  }

  private async reconnectLoop(reason: string): Promise<void> {
    try {
      const welcome = await this.reconnector.run(() => this.connect((refusal) => Promise.resolve(refusal ? undefined : this.name), true), {
        waiting: (attempt, waitMs) => this.emit('disconnected', { reason: attempt === 1 ? reason : `Attempt ${attempt - 1} failed.`, retryInMs: waitMs }),
        // Only a refusal the registry calls final ends the retries; anything else may pass.
        mayRetry: (error) => !(error instanceof PartyPoolError && !mayReconnectAfter(error.code)),
        stopped: () => this.stopped,
      });
      if (welcome) this.emit('reconnected', welcome);
    } catch (error) {
      this.stopped = true;
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

  /** Send a chat line (to the current room); resolves true once the server answered it (ack or error), false if the connection dropped first. */
  say(text: string): Promise<boolean> {
    const room = this.protocol >= 2 && !isLobby(this.rooms.current) ? this.rooms.current : undefined;
    return this.request((id) => ({ type: 'say', id, text, ...(room === undefined ? {} : { room }) }));
  }

  /**
   * Send a command; resolves like `say`. `/history` gets the current room and where this
   * client's scrollback starts; `/register` and `/password` remember the new password for reconnects.
   */
  command(name: string, args: string): Promise<boolean> {
    let effect: ReplyEffect | undefined;
    let wireArgs = args;
    if (this.protocol >= 2 && name === 'history') wireArgs = this.rooms.historyArgs(args);
    // `/files` alone lists the room you are looking at.
    if (this.protocol >= 3 && name === 'files' && args.trim() === '') wireArgs = this.rooms.current;
    const words = name === 'register' || name === 'password' ? splitWords(args) : undefined;
    const newPassword = name === 'register' && words?.length === 1 ? words[0] : name === 'password' && words?.length === 2 ? words[1] : undefined;
    if (newPassword !== undefined) {
      effect = (reply) => {
        if (reply.type === 'account') this.password = newPassword;
      };
    }
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
    return this.request((id) => ({ type: 'command', id, name, args: wireArgs }), effect);
  }

  /**
   * Send a request built around a fresh id; resolves with the server's answer to it (its `ack`,
   * `error` or reply), or undefined when the connection dropped first.
   */
  async exchange(build: (id: number) => ClientMessage): Promise<ServerMessage | undefined> {
    let answer: ServerMessage | undefined;
    const answered = await this.request(build, (reply) => (answer = reply));
    return answered ? answer : undefined;
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

  /** Register the current name (the password is quoted, so any characters work). */
  register(password: string): Promise<boolean> {
    return this.command('register', quoteWords([password]));
  }

  changePassword(oldPassword: string, newPassword: string): Promise<boolean> {
    return this.command('password', quoteWords([oldPassword, newPassword]));
  }

  private request(build: (id: number) => Parameters<ServerLink['send']>[0], effect?: ReplyEffect): Promise<boolean> {
    const link = this.link;
    if (!link) return Promise.reject(new PartyPoolError('CONNECTION_LOST', 'Not connected; the message was not sent.'));
    const { id, answered } = this.requests.start(effect);
    link.send(build(id));
    return answered;
  }

  /** Leave: stop reconnecting and close the connection. */
  stop(): void {
    this.stopped = true;
    if (this.link) {
      this.link.send({ type: 'bye' });
      this.link.close();
    } else {
      this.emit('closed', { code: 'LEFT', message: 'Goodbye.' });
    }
  }
}
