// A logged-in chat client: one connection at a time (pin.ts, server-link.ts, login.ts), its
// requests tracked until the server answers them (request-tracker.ts), its rooms followed
// (room-state.ts), and when asked a reconnect that keeps the name (reconnector.ts). User
// interfaces (the chat screen, line mode, the root console) sit on top.
import { EventEmitter } from 'node:events';
import { config } from '../../config.js';
import { ErrorCodes, PartyPoolError, isPasswordRefusal, mayReconnectAfter } from '../common/errors.js';
import { accountBinding, clientFinishLogin, clientFinishRegistration, clientStartLogin, clientStartRegistration, type Stretching } from '../crypto/opaque.js';
import { computePrehash } from '../crypto/password.js';
import { OPAQUE_PROTOCOL_VERSION, type PrehashParams } from '../protocol/account-exchange.js';
import type { ClientMessage, ServerMessage } from '../protocol/messages.js';
import { nameKey } from '../protocol/names.js';
import { checkPassword } from '../protocol/passwords.js';
import { isLobby } from '../protocol/rooms.js';
import { splitWords } from '../protocol/words.js';
import { channelBinding } from '../crypto/auth-proof.js';
import { KeyCache, login, registrationStretching, toStretching, type AccountProof, type Credentials, type Welcome } from './login.js';
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
  /** Injected for tests: the least Argon2id new passwords are stretched with (default: config.login.keyStretching). */
  stretchingFloor?: Stretching;
}

/** How often a first login that finds the server's login work full (BUSY) is tried again. */
const BUSY_RETRIES = 5;

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
  /** A migrated account logged in over its scrypt prehash: /password proves the old password over it. */
  private prehash: PrehashParams | undefined;
  /** Requests the client makes by itself (the migrated account's upgrade): their answers are not shown. */
  private readonly quiet = new Set<number>();
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
    let busyRetries = 0;
    for (;;) {
      try {
        return await this.connect(chooseName);
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
    // The steps of a password exchange are this client's business, and so are answers to its own requests.
    const quiet = message.type === 'account-challenge' || message.type === 'account-registration' || ('ref' in message && message.ref !== undefined && this.quiet.delete(message.ref));
    if (quiet) {
      this.requests.reply(message);
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
   * client's scrollback starts; `/register` and `/password` run OPAQUE exchanges (the password
   * never leaves this program) and remember the new password for reconnects.
   */
  command(name: string, args: string): Promise<boolean> {
    if (name === 'register' || name === 'password') {
      // The password stays here: protocol 3 runs an OPAQUE exchange, older servers get nothing.
      if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
      const words = splitWords(args) ?? [];
      const wanted = name === 'register' ? 1 : 2;
      const [first, second] = words;
      if (words.length === wanted && first !== undefined) return second === undefined ? this.register(first) : this.changePassword(first, second);
      return this.localError(words.length < wanted ? 'MISSING_ARGUMENT' : 'TOO_MANY_ARGUMENTS', `Usage: ${name === 'register' ? '/register <password>' : '/password <old> <new>'} (quote passwords that contain spaces).`);
    }
    let effect: ReplyEffect | undefined;
    let wireArgs = args;
    if (this.protocol >= 2 && name === 'history') wireArgs = this.rooms.historyArgs(args);
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
   * Register the current name. Protocol 3: an OPAQUE registration (the password never leaves this
   * program); resolves once the server answered (account registered, or an error shown as usual).
   */
  async register(password: string): Promise<boolean> {
    if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
    if (checkPassword(password, config.accounts.passwordMinLength, config.accounts.passwordMaxLength)) return this.localError('PASSWORD_INVALID');
    const started = await clientStartRegistration(password);
    const first = await this.ask((id) => ({ type: 'command', id, name: 'register', args: started.message }));
    if (first?.type !== 'account-registration') return first !== undefined;
    const stretching = registrationStretching(first.stretching, this.options.stretchingFloor);
    const record = await clientFinishRegistration(started.state, first.registrationResponse, password, toStretching(stretching));
    const done = await this.ask((id) => ({ type: 'account-record', id, record, stretching }));
    if (done?.type === 'account') this.password = password;
    return done !== undefined;
  }

  /** Change the password: prove the current one by OPAQUE, then register the new one (protocol 3). */
  async changePassword(oldPassword: string, newPassword: string): Promise<boolean> {
    if (this.protocol < OPAQUE_PROTOCOL_VERSION) return this.tooOldToSend();
    if (checkPassword(newPassword, config.accounts.passwordMinLength, config.accounts.passwordMaxLength)) return this.localError('PASSWORD_INVALID');
    let oldInput: string;
    try {
      oldInput = this.prehash ? await computePrehash(oldPassword, this.prehash) : oldPassword;
    } catch {
      return this.localError('INVALID_ARGUMENT', 'The server named password parameters outside the safe range.');
    }
    return this.changePasswordOver(oldInput, newPassword, false);
  }

  /** The exchange behind /password, over the old password's OPAQUE input; `upgrade`: the client's own, not shown. */
  private async changePasswordOver(oldInput: string, newPassword: string, upgrade: boolean): Promise<boolean> {
    const login = await clientStartLogin(oldInput);
    const flags = [...(this.prehash ? ['prehashed'] : []), ...(upgrade ? ['upgrade'] : [])];
    const challenge = await this.ask((id) => ({ type: 'command', id, name: 'password', args: [login.message, ...flags].join(' ') }), upgrade);
    if (challenge?.type !== 'account-challenge') return challenge !== undefined;
    const link = this.link;
    const finished = await clientFinishLogin(login.state, challenge.ke2, oldInput, toStretching(challenge.stretching));
    if (!finished || !link) {
      const refused = await this.ask((id) => ({ type: 'account-finish', id }), upgrade);
      return refused !== undefined;
    }
    const registration = await clientStartRegistration(newPassword);
    const binding = accountBinding(finished.sessionKey, { role: 'user', name: this.name, channelBinding: channelBinding(link.socket) });
    const response = await this.ask((id) => ({ type: 'account-finish', id, ke3: finished.ke3, binding, registrationRequest: registration.message }), upgrade);
    if (response?.type !== 'account-registration') return response !== undefined;
    const stretching = registrationStretching(response.stretching, this.options.stretchingFloor);
    const record = await clientFinishRegistration(registration.state, response.registrationResponse, newPassword, toStretching(stretching));
    const done = await this.ask((id) => ({ type: 'account-record', id, record, stretching }), upgrade);
    if (done?.type === 'account') {
      this.password = newPassword;
      this.prehash = undefined;
    }
    return done !== undefined;
  }

  /** Send a request and resolve with its answer (undefined if the connection dropped first). */
  private ask(build: (id: number) => ClientMessage, quiet = false): Promise<ServerMessage | undefined> {
    return new Promise((resolve, reject) => {
      let answer: ServerMessage | undefined;
      this.request(
        (id) => {
          if (quiet) this.quiet.add(id);
          return build(id);
        },
        (reply) => (answer = reply),
      ).then(() => resolve(answer), reject);
    });
  }

  /** An error this client decided on its own, shown like the server's. */
  private localError(code: 'PASSWORD_INVALID' | 'MISSING_ARGUMENT' | 'TOO_MANY_ARGUMENTS' | 'INVALID_ARGUMENT' | 'CLIENT_TOO_OLD', message?: string): Promise<boolean> {
    this.emit('message', { type: 'error', code, message: message ?? ErrorCodes[code].message });
    return Promise.resolve(true);
  }

  /** Never send a password to a server older than protocol 3 (a forged server may pretend to be). */
  private tooOldToSend(): Promise<boolean> {
    return this.localError('CLIENT_TOO_OLD', 'This server does not speak protocol 3, so this program will not send it a password. Ask the admin to update the server.');
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
