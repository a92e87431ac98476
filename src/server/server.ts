// The chat server: a TLS 1.3 listener, the sessions on it, login, chat fan-out and the
// command table. Everything it needs (settings, secrets, clock, logger) is passed in.
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { config } from '../../config.js';
import { ErrorCodes, PartyPoolError, errorText, type ErrorCode } from '../common/errors.js';
import { onLogFileFailure, type Logger } from '../common/logger.js';
import type { ServerSettings } from '../common/settings.js';
import { newNonce, verifyProof } from '../crypto/auth-proof.js';
import { encodeFrame } from '../protocol/frame.js';
import type { AuthMessage, ClientMessage, ServerMessage } from '../protocol/messages.js';
import { checkName, nameKey } from '../protocol/names.js';
import { checkText } from '../protocol/text.js';
import type { LoginCheck } from './accounts/accounts.js';
import { loadAuthKeys, type AuthKeys } from '../data-dir/auth-keys.js';
import { AuthFailures, type AuthFailureKind } from './abuse/auth-failures.js';
import { CommandTable, rootCommands, userCommands } from './commands/index.js';
import { accountRootCommands, communityCommands } from './commands/community-commands.js';
import { packageCommands } from './commands/package-commands.js';
import { Community, type CommunityOptions } from './chat/community.js';
import { ConnectionGuard, rateKey } from './abuse/connection-guard.js';
import type { CommandSpec } from './commands/types.js';
import type { AbuseSummary, ServerContext, ServerLimits } from './context.js';
import { ensurePrivateDir } from '../data-dir/files.js';
import { loadOrCreateIdentity, type ServerIdentity } from '../data-dir/identity.js';
import type { Timers } from './moderation/countdown.js';
import { formatDuration } from './moderation/durations.js';
import { Lockdown } from './abuse/lockdown.js';
import { LoginBlocks } from './abuse/login-blocks.js';
import { LogThrottle } from './abuse/log-throttle.js';
import { MessageLimiter, type MessageLimits } from './abuse/message-limiter.js';
import { Moderation } from './moderation/moderation.js';
import { PackageRegistry, packageLoginVerdict } from '../data-dir/packages.js';
import { RequestLog } from './storage/request-log.js';
import { removeServerInfo, runningServerPid, writeServerInfo, type ServerInfo } from '../data-dir/server-info.js';
import { Session, type CloseReason, type Role, type SessionHost } from './session/session.js';
import { Checkpointer } from './storage/checkpointer.js';
import { StorageAlarm } from './storage/storage-alarm.js';
import { isStorageError } from '../data-dir/storage-errors.js';
import { DATABASE_FILE, Store } from '../data-dir/store.js';

/** Name or password retries allowed on one connection before it is closed. */
const MAX_LOGIN_RETRIES = 5;

export interface ServerOptions {
  settings: ServerSettings;
  passkey: string;
  rootPassword: string;
  logger: Logger;
  replaceSecrets?: boolean;
  /** Injected clock (milliseconds since the epoch). */
  now?: () => number;
  /** Injected timers for the timed shutdown's countdown. */
  timers?: Timers;
}

/** Strip the IPv4-mapped prefix so one household is one address, however it arrived. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export class PartyPoolServer implements SessionHost, ServerContext {
  readonly logger: Logger;
  readonly requests: RequestLog;
  readonly limits: ServerLimits;
  readonly maxFrameBytes: number;
  readonly maxUnsentBytes: number;
  readonly maxInvalidFrames = config.limits.maxInvalidFrames;
  readonly identity: ServerIdentity;
  readonly store: Store;
  private readonly checkpointer: Checkpointer;
  readonly moderation: Moderation;
  /** Resolves once the server has shut down, whoever asked (a signal or a root). */
  readonly stopped: Promise<void>;
  private markStopped: () => void = () => undefined;
  private shuttingDown: Promise<void> | undefined;
  private readonly settings: ServerSettings;
  private readonly keys: AuthKeys;
  private readonly listener: tls.Server;
  private readonly commands = new CommandTable([...userCommands, ...communityCommands, ...rootCommands, ...accountRootCommands, ...packageCommands]);
  private readonly packages: PackageRegistry;
  readonly community: Community;
  readonly authFailures = new AuthFailures();
  /** Abuse resistance (issue 6): raw-connection limits, login blocks, lockdown, message floods. */
  readonly guard: ConnectionGuard;
  readonly loginBlocks: LoginBlocks;
  readonly lockdown: Lockdown;
  private readonly storageAlarm: StorageAlarm;
  private readonly messageLimits: MessageLimits;
  /** One log line per minute per kind of stranger trouble (refused connections, failed handshakes). */
  private readonly logThrottle = new LogThrottle(60_000);
  private readonly floodCounts = { rateLimited: 0, flooding: 0 };
  private maintenance: NodeJS.Timeout | undefined;
  private readonly stopWatchingLog: () => void;
  private readonly sessions = new Set<Session>();
  /** Logged-in users by lower-cased name. */
  private readonly users = new Map<string, Session>();
  private readonly sessionsPerAddress = new Map<string, number>();
  private onlineUsers = 0;
  private readonly clock: () => number;
  private heartbeat: NodeJS.Timeout | undefined;
  private nextSessionId = 1;
  private closing = false;
  private wroteInfo = false;

  private constructor(options: ServerOptions, identity: ServerIdentity, keys: AuthKeys, store: Store) {
    this.settings = options.settings;
    this.store = store;
    this.checkpointer = new Checkpointer(store.db, path.join(options.settings.dataDir, DATABASE_FILE), config.storage.checkpointIntervalMs, (reason) =>
      this.logger.warn('database checkpoint', { reason: reason.slice(0, 200) }),
    );
    this.packages = new PackageRegistry(store);
    this.logger = options.logger;
    this.clock = options.now ?? Date.now;
    this.identity = identity;
    this.keys = keys;
    this.maxFrameBytes = options.settings.maxFrameBytes;
    this.maxUnsentBytes = options.settings.maxUnsentBytes;
    this.limits = { maxTextLength: config.limits.maxTextLength, maxRequestLength: config.limits.maxRequestLength };
    this.requests = new RequestLog({ dir: options.settings.dataDir, ...config.requests });
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.storageAlarm = new StorageAlarm(this, config.abuse.storageReportIntervalMs);
    this.stopWatchingLog = onLogFileFailure(this.logger, (error) => this.reportStorageFailure('log', error));
    this.moderation = new Moderation(this, store, { dataDir: options.settings.dataDir, logDir: options.settings.logDir, ...(options.timers ? { timers: options.timers } : {}) });
    this.community = new Community(this, store.db, communityOptions(options.settings));
    const settings = options.settings;
    this.guard = new ConnectionGuard({ connectionsPerMinute: settings.connectionsPerMinute, maxUnauthenticated: settings.maxUnauthenticated });
    this.loginBlocks = new LoginBlocks(this, store.db, this.moderation.bans, {
      maxFailures: settings.authFailureLimit,
      windowMs: settings.authFailureWindowMs,
      firstBlockMs: settings.authBlockMs,
      maxBlockMs: settings.authBlockMaxMs,
    });
    this.loginBlocks.load();
    this.lockdown = new Lockdown(store);
    this.lockdown.load();
    this.messageLimits = {
      messageRatePerSecond: settings.messageRatePerSecond,
      messageBurst: settings.messageBurst,
      commandRatePerSecond: settings.commandRatePerSecond,
      commandBurst: settings.commandBurst,
      floodMaxRejections: settings.floodMaxRejections,
      floodWindowMs: settings.floodWindowMs,
    };
    this.listener = tls.createServer({
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      handshakeTimeout: settings.tlsHandshakeTimeoutMs,
    });
    // Before the TLS server's own listener wraps the socket: a refused connection costs no handshake.
    this.listener.prependListener('connection', (socket: net.Socket) => this.onRawConnection(socket));
    this.listener.on('secureConnection', (socket) => this.onConnection(socket));
    this.listener.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      socket.destroy();
      // A peer that hangs up mid-handshake (port scanners, refused connections) is not news.
      if (this.closing || error.code === 'ECONNRESET') return;
      const address = normaliseAddress(socket.remoteAddress);
      const skipped = this.logThrottle.pass(`tls:${address}`, this.now());
      if (skipped !== undefined) this.logger.info('tls handshake failed', { address, reason: (error.code ?? error.message).slice(0, 120), ...(skipped > 0 ? { alsoFailed: skipped } : {}) });
    });
  }

  /** Prepare the data dir, identity and keys, then listen. Resolves once accepting. */
  static async start(options: ServerOptions): Promise<PartyPoolServer> {
    ensurePrivateDir(options.settings.dataDir, 'data directory');
    // Two servers on one data dir would share the database and fight over server.json.
    const running = runningServerPid(options.settings.dataDir);
    if (running !== undefined && running !== process.pid) {
      throw new PartyPoolError('SERVER_RUNNING', `A server is already running from ${options.settings.dataDir} (pid ${running}); stop it first, or use another --data-dir.`);
    }
    const [identity, keys] = await Promise.all([
      loadOrCreateIdentity(options.settings.dataDir, config.serverName),
      loadAuthKeys({
        dataDir: options.settings.dataDir,
        passkey: options.passkey,
        rootPassword: options.rootPassword,
        iterations: options.settings.kdfIterations,
        replaceSecrets: options.replaceSecrets ?? false,
      }),
    ]);
    const store = Store.open(options.settings.dataDir, undefined, options.settings.dbSync === 'full' ? 'full' : 'normal');
    let server: PartyPoolServer;
    try {
      server = new PartyPoolServer(options, identity, keys, store);
      await server.listen();
    } catch (error) {
      store.close();
      throw error;
    }
    server.community.start();
    server.checkpointer.start();
    return server;
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'something else is already using that port' : error.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : error.message;
        reject(new PartyPoolError('LISTEN_FAILED', `Cannot listen on ${this.settings.host}:${this.settings.port}: ${why}. Choose another port with --port.`, { cause: error }));
      });
      this.listener.listen(this.settings.port, this.settings.host, () => {
        this.listener.removeAllListeners('error');
        resolve();
      });
    });
    this.listener.on('error', (error: Error) => this.logger.error('listener error', { reason: error.message }));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.settings.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.maintenance = setInterval(() => this.pruneAbuseState(), 60_000);
    this.maintenance.unref();
    this.moderation.startStatsTimer();
    const info = this.info();
    writeServerInfo(this.settings.dataDir, info);
    this.wroteInfo = true;
    this.logger.info('listening', { host: info.host, port: info.port, fingerprint: info.fingerprint });
  }

  /** What `server.json` holds. */
  info(): ServerInfo {
    const address = this.listener.address();
    const port = typeof address === 'object' && address ? address.port : this.settings.port;
    return { host: this.settings.host, port, fingerprint: this.identity.fingerprint, pid: process.pid, version: config.version };
  }

  get port(): number {
    return this.info().port;
  }

  now(): number {
    return this.clock();
  }

  commandsFor(role: Role, protocol?: number): CommandSpec[] {
    return this.commands.list(role, protocol);
  }

  /** The logged-in session called `name` (case-insensitive), if any. */
  sessionFor(name: string): Session | undefined {
    return this.users.get(nameKey(name));
  }

  /** Move a logged-in session to a new name (after /nick). */
  renameSession(session: Session, newName: string): void {
    if (this.users.get(nameKey(session.name)) === session) this.users.delete(nameKey(session.name));
    session.name = newName;
    this.users.set(nameKey(newName), session);
  }

  /** Every failed login (passkey, root password, account password) passes through here; enough of them block the address. */
  recordAuthFailure(address: string, kind: AuthFailureKind): void {
    this.authFailures.record(address, kind);
    this.moderation.authFailed(address);
    if (this.loginBlocks.failed(address)) this.moderation.stats.banned(address);
  }

  onlineNames(): string[] {
    return [...this.users.values()].filter((s) => s.role === 'user').map((s) => s.name).sort((a, b) => a.localeCompare(b));
  }

  activeSessions(): Session[] {
    return [...this.users.values()];
  }

  /** Logged-in sessions, iterated in place (the fan-out path allocates nothing per message). */
  liveSessions(): IterableIterator<Session> {
    return this.users.values();
  }

  /** Users online (roots excluded); kept as a count because every login checks it. */
  get userCount(): number {
    return this.onlineUsers;
  }

  /** A write failed (disk full, unwritable file, database error): log it and tell the roots, rate-limited. */
  reportStorageFailure(what: string, error: unknown): void {
    this.storageAlarm.report(what, error);
  }

  /** What `stats` shows about abuse resistance since start. */
  abuseSummary(): AbuseSummary {
    return {
      refusedForRate: this.guard.refused.rate,
      refusedOverUnauthenticatedCap: this.guard.refused.unauthenticated,
      unauthenticatedNow: this.guard.unauthenticated(this.users.size),
      blocksSinceStart: this.loginBlocks.blocksSinceStart,
      rateLimited: this.floodCounts.rateLimited,
      disconnectedForFlooding: this.floodCounts.flooding,
      storageFailures: this.storageAlarm.total,
      limits: {
        connectionsPerMinute: this.settings.connectionsPerMinute,
        maxUnauthenticated: this.settings.maxUnauthenticated,
        authFailureLimit: this.settings.authFailureLimit,
        authFailureWindowMs: this.settings.authFailureWindowMs,
        messageRatePerSecond: this.settings.messageRatePerSecond,
        messageBurst: this.settings.messageBurst,
      },
    };
  }

  /** Users online now whom lockdown would not admit (unregistered, no issued package). */
  lockdownOutsiders(): Session[] {
    return [...this.users.values()].filter((s) => s.role === 'user' && !this.lockdownAdmits(s.name, s.packageId));
  }

  private lockdownAdmits(name: string, packageId: string | undefined): boolean {
    return this.lockdown.admits({ registered: this.community.accounts.isRegistered(name), issuedPackage: packageId !== undefined && this.packages.status(packageId) === 'active' });
  }

  /** Forget expired per-address counters, so strangers cannot grow memory over time. */
  private pruneAbuseState(): void {
    const now = this.now();
    this.guard.prune(now);
    this.loginBlocks.prune(now);
    this.logThrottle.prune(now);
  }

  logError(session: Session, error: unknown): void {
    this.logger.error('session error', { conn: session.id, reason: error instanceof Error ? error.message : String(error) });
  }

  /** A TCP connection, before TLS: per-address rate and the unauthenticated cap, else it is closed at once. */
  private onRawConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const address = normaliseAddress(socket.remoteAddress);
    const now = this.now();
    const refusal = this.guard.admit(socket, address, this.users.size, now);
    if (!refusal) return;
    socket.destroy();
    const skipped = this.logThrottle.pass(refusal === 'rate' ? `rate:${rateKey(address)}` : 'unauthenticated', now);
    if (skipped === undefined) return;
    const reason = refusal === 'rate' ? `over ${this.settings.connectionsPerMinute} connections per minute` : `over ${this.settings.maxUnauthenticated} connections not logged in`;
    this.logger.warn('connection refused before TLS', { address, reason, ...(skipped > 0 ? { alsoRefused: skipped } : {}) });
  }

  private onConnection(socket: tls.TLSSocket): void {
    const address = normaliseAddress(socket.remoteAddress);
    if (this.closing) {
      socket.destroy();
      return;
    }
    try {
      const refusal = this.moderation.connectionRefusal(address);
      if (refusal) return this.refuseConnection(socket, address, refusal.code, refusal.message);
      const unsaved = this.loginBlocks.unsavedBlock(address);
      if (unsaved !== undefined) return this.refuseConnection(socket, address, 'BANNED', `Too many failed logins from your address; try again in ${formatDuration(unsaved)}.`);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      const session = new Session(socket, this.nextSessionId++, address, this, this.settings.authTimeoutMs);
      this.sessions.add(session);
      this.logger.info('connection', { conn: session.id, address });
    } catch (error) {
      // Outside any session: a failing ban look-up (a broken disk) must cost this connection only.
      this.logger.error('connection setup failed', { address, reason: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      socket.destroy();
    }
  }

  /** Turn a connection away before any login work: one error, a bye, and the socket closed. */
  private refuseConnection(socket: tls.TLSSocket, address: string, code: ErrorCode, message: string): void {
    this.logger.info('connection refused', { address, reason: code });
    socket.on('error', () => undefined);
    socket.end(Buffer.concat([encodeFrame({ type: 'error', code, message }), encodeFrame({ type: 'bye', code, message })]));
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Route one validated message; returns a promise only when the work really awaits. */
  handleMessage(session: Session, message: ClientMessage): Promise<void> | void {
    switch (message.type) {
      case 'ping':
        session.send({ type: 'pong' });
        return;
      case 'pong':
        return;
      case 'bye':
        session.close({ code: 'LEFT', message: 'Goodbye.' });
        return;
      case 'hello':
        return this.onHello(session, message.versions);
      case 'auth':
        return this.onAuth(session, message);
      case 'say':
        if (!session.isActive) return session.rejectInput('UNEXPECTED_MESSAGE', 'Log in first.', message.id);
        if (session.limiter && !session.limiter.allowSay(this.now())) return this.rateLimited(session, message.id);
        return this.onSay(session, message.id, message.text, message.room);
      case 'command':
        if (!session.isActive) return session.rejectInput('UNEXPECTED_MESSAGE', 'Log in first.', message.id);
        if (session.limiter && !session.limiter.allowCommand(this.now())) return this.rateLimited(session, message.id);
        session.lastActiveAt = this.now();
        return this.commands.dispatch(this, session, message.id, message.name, message.args);
    }
  }

  /** Over the session's rate: not delivered, "slow down"; too many of those in a row ends the session. */
  private rateLimited(session: Session, ref: number): void {
    if (session.limiter?.rejected(this.now())) {
      this.floodCounts.flooding += 1;
      this.logger.warn('flooding', { conn: session.id, user: session.name, address: session.address });
      return session.fail('FLOODING', undefined, ref);
    }
    this.floodCounts.rateLimited += 1;
    session.sendError('RATE_LIMITED', undefined, { ref });
  }

  private onHello(session: Session, versions: number[]): void {
    if (session.state !== 'hello') return session.rejectInput('UNEXPECTED_MESSAGE', 'Hello was already received.');
    const shared = versions.filter((v) => (config.protocolVersions as readonly number[]).includes(v));
    const version = Math.max(...shared);
    if (shared.length === 0) return session.fail('PROTOCOL_VERSION', `This server speaks protocol version ${config.protocolVersions.join(', ')}; update your client.`);
    session.state = 'auth';
    session.protocol = version;
    session.send({
      type: 'challenge',
      protocol: version,
      server: { name: config.serverName, version: config.version },
      nonce: session.nonce.toString('base64'),
      kdf: { algorithm: 'pbkdf2-sha256', salt: this.keys.passkey.salt.toString('base64'), iterations: this.keys.passkey.iterations },
      rootKdf: { algorithm: 'pbkdf2-sha256', salt: this.keys.root.salt.toString('base64'), iterations: this.keys.root.iterations },
    });
  }

  private async onAuth(session: Session, message: AuthMessage): Promise<void> {
    if (session.state !== 'auth') return session.rejectInput('UNEXPECTED_MESSAGE', 'Send hello first, and log in only once.');
    if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
    // An address blocked (or banned) while this connection was open learns nothing more, not
    // even whether this guess was right: refused before the proof is checked.
    const blocked = this.moderation.addressRefusal(session.address);
    if (blocked) return session.fail(blocked.code, blocked.message);
    const binding = session.channelBinding();
    const proofInput = { role: message.role, name: message.name, nonce: session.nonce, channelBinding: binding };
    // The nonce is single-use: whatever happens next, a proof over it is never accepted again.
    session.nonce = Buffer.alloc(0);
    if (!verifyProof(this.keys.passkey.key, { ...proofInput, purpose: 'passkey' }, message.proof)) {
      this.recordAuthFailure(session.address, 'passkey');
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: 'AUTH_FAILED' });
      return session.fail('AUTH_FAILED');
    }
    if (message.role === 'root' && !(message.rootProof && verifyProof(this.keys.root.key, { ...proofInput, purpose: 'root' }, message.rootProof))) {
      this.recordAuthFailure(session.address, 'root');
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: 'ROOT_AUTH_FAILED' });
      return session.fail('ROOT_AUTH_FAILED');
    }
    const barred = this.moderation.loginRefusal(message.name, message.role, session.address);
    if (barred) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: barred.code });
      return session.fail(barred.code, barred.message);
    }
    const pkg = packageLoginVerdict(this.packages, message.packageId);
    if (pkg.refusal) {
      this.logger.warn('login failed', { conn: session.id, address: session.address, reason: pkg.refusal, package: pkg.logLabel });
      return session.fail(pkg.refusal);
    }
    session.packageId = pkg.id;
    session.packageLogLabel = pkg.logLabel;
    if (message.role === 'user' && this.lockdown.on && !this.lockdownAdmits(message.name, pkg.id)) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: 'LOCKDOWN' });
      return session.fail('LOCKDOWN');
    }
    const refusal = this.admissionRefusal(session, message.name, message.role);
    if (refusal) return this.refuseLogin(session, refusal);
    if (message.role === 'user') {
      // Registered names need their password (scrypt, off the event loop).
      let account: LoginCheck;
      try {
        account = await this.community.checkLogin(session, message);
      } catch (error) {
        if (!isStorageError(error)) throw error;
        this.reportStorageFailure('database', error);
        return session.fail('STORAGE_FAILED', 'The server could not save your login (a storage problem); try again later.');
      }
      if (!account.ok) return this.refuseLogin(session, account.code);
      // The check took time: the session, the name or the server may have changed meanwhile.
      if (session.state !== 'auth') return;
      if (this.closing) return session.fail('SERVER_SHUTTING_DOWN');
      const late = this.admissionRefusal(session, message.name, message.role);
      if (late) return this.refuseLogin(session, late);
    }
    this.admit(session, message.name, message.role);
    await this.community.onLogin(session, message.resume);
  }

  private refuseLogin(session: Session, refusal: ErrorCode): void {
    if (ErrorCodes[refusal].fatal) {
      this.logger.info('login refused', { conn: session.id, address: session.address, reason: refusal });
      return session.fail(refusal);
    }
    // Name and password problems get another try on the same connection, with a fresh nonce
    // and a fresh login window (a person is typing); a handful of tries, then the door closes.
    session.loginRetries += 1;
    if (session.loginRetries > MAX_LOGIN_RETRIES) return session.fail('AUTH_TIMEOUT', 'Too many login attempts on one connection; connect again.');
    session.nonce = newNonce();
    session.restartAuthClock();
    return session.sendError(refusal, undefined, { nonce: session.nonce.toString('base64') });
  }

  private admissionRefusal(session: Session, name: string, role: Role): ErrorCode | undefined {
    if (role === 'user') {
      const nameProblem = checkName(name);
      if (nameProblem) return nameProblem;
      if (this.users.has(nameKey(name))) return 'NAME_TAKEN';
      if (this.userCount >= this.settings.maxClients) return 'SERVER_FULL';
      if ((this.sessionsPerAddress.get(session.address) ?? 0) >= this.settings.maxSessionsPerAddress) return 'TOO_MANY_FROM_ADDRESS';
    }
    return undefined;
  }

  private admit(session: Session, name: string, role: Role): void {
    const sessionName = role === 'root' ? `root#${session.id}` : name;
    session.activate(sessionName, role);
    // Root sessions are exempt from message rate limits.
    if (role === 'user') session.limiter = new MessageLimiter(this.messageLimits, this.now());
    this.loginBlocks.succeeded(session.address);
    this.users.set(nameKey(sessionName), session);
    if (role === 'user') {
      this.onlineUsers += 1;
      this.sessionsPerAddress.set(session.address, (this.sessionsPerAddress.get(session.address) ?? 0) + 1);
    }
    this.logger.info('login', { conn: session.id, user: sessionName, role, address: session.address, ...(session.packageLogLabel ? { package: session.packageLogLabel } : {}) });
    this.moderation.sessionStarted(session);
    const limits = this.messageLimits;
    const rates = role === 'user' ? { limits: { say: { burst: limits.messageBurst, ratePerSecond: limits.messageRatePerSecond }, command: { burst: limits.commandBurst, ratePerSecond: limits.commandRatePerSecond } } } : {};
    session.send({ type: 'welcome', name: sessionName, role, address: session.address, online: this.userCount, time: this.isoNow(), ...rates });
    if (role === 'user' && this.announcesPresence()) this.broadcast({ type: 'presence', event: 'join', name: sessionName, time: this.isoNow() }, session);
  }

  private onSay(session: Session, id: number, raw: string, room?: string): Promise<void> | void {
    if (session.role !== 'user') return session.sendError('NOT_PERMITTED', 'Root sessions send notices with "send", not chat lines.', { ref: id });
    const checked = checkText(raw, this.limits.maxTextLength);
    if ('error' in checked) {
      const message = checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'message', max: this.limits.maxTextLength }) : undefined;
      return session.sendError(checked.error, message, { ref: id });
    }
    session.lastActiveAt = this.now();
    this.moderation.messageRelayed();
    return this.community.post(session, id, checked.text, room);
  }

  /**
   * Joins and leaves are announced while the crowd is small enough for them to be news; in a
   * crowd they are noise, and announcing each to everyone costs O(n²) frames in a login storm.
   */
  private announcesPresence(): boolean {
    return this.users.size <= this.settings.maxPresenceAnnounced;
  }

  /** Encode once, write the same bytes to every logged-in session (except one, if given). */
  broadcast(message: ServerMessage, except?: Session): void {
    const frame = encodeFrame(message);
    for (const session of this.users.values()) {
      if (session !== except) session.sendFrame(frame);
    }
  }

  sessionClosed(session: Session, reason: CloseReason, wasActive: boolean): void {
    this.sessions.delete(session);
    this.moderation.sessionEnded(session, reason, wasActive);
    if (wasActive) this.community.onLogout(session);
    if (wasActive && this.users.get(nameKey(session.name)) === session) {
      this.users.delete(nameKey(session.name));
      if (session.role === 'user') {
        this.onlineUsers -= 1;
        const count = (this.sessionsPerAddress.get(session.address) ?? 1) - 1;
        if (count <= 0) this.sessionsPerAddress.delete(session.address);
        else this.sessionsPerAddress.set(session.address, count);
        if (!this.closing && this.announcesPresence()) this.broadcast({ type: 'presence', event: 'leave', name: session.name, time: this.isoNow(), reason: leaveReason(reason) });
      }
    }
    this.logger.info('disconnect', { conn: session.id, ...(session.name ? { user: session.name } : {}), reason: reason.code });
  }

  private checkHeartbeats(): void {
    const now = this.now();
    const ping = encodeFrame({ type: 'ping' });
    for (const session of this.sessions) {
      if (now - session.lastSeenAt > this.settings.heartbeatTimeoutMs) session.fail('HEARTBEAT_TIMEOUT');
      else session.sendFrame(ping);
    }
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /** Tell everyone, close every session, stop listening and remove server.json. */
  shutdown(message = 'The server is shutting down.'): Promise<void> {
    // Whoever asks second (a signal during a root's shutdown) waits for the same one.
    this.shuttingDown ??= this.stop(message);
    return this.shuttingDown;
  }

  private async stop(message: string): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.maintenance) clearInterval(this.maintenance);
    this.logger.info('shutting down', { sessions: this.sessions.size });
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    const notice = encodeFrame({ type: 'notice', from: 'server', text: message, time: this.isoNow() });
    const sessions = [...this.sessions];
    for (const session of sessions) {
      session.sendFrame(notice);
      session.close({ code: 'SHUTDOWN', message });
    }
    await Promise.race([Promise.all(sessions.map((s) => s.ended)), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    for (const session of this.sessions) session.socket.destroy();
    await Promise.all(sessions.map((s) => s.ended));
    // Handshakes still in progress would otherwise end (and log) after the logger has closed.
    this.guard.destroyAll();
    await closed;
    this.moderation.close();
    if (this.wroteInfo) removeServerInfo(this.settings.dataDir);
    await this.community.stop();
    await this.checkpointer.stop();
    this.store.close();
    this.logger.info('stopped');
    this.stopWatchingLog();
    this.markStopped();
  }
}

/** Rooms, accounts and history settings, from the server settings and config.ts. */
function communityOptions(settings: ServerSettings): CommunityOptions {
  return {
    accounts: { cost: config.accounts.scrypt, passwordMinLength: config.accounts.passwordMinLength, passwordMaxLength: config.accounts.passwordMaxLength, maxConcurrentHashes: config.accounts.maxConcurrentHashes },
    history: {
      enabled: settings.historyEnabled,
      retentionDays: settings.historyRetentionDays,
      maxPerRoom: settings.historyMaxPerRoom,
      deleteBatch: config.history.deleteBatch,
      onJoin: settings.historyOnJoin,
      maxRequest: config.history.maxRequest,
      retentionIntervalMs: config.history.retentionIntervalMs,
      frameBudgetBytes: config.history.frameBudgetBytes,
    },
    requireRegistration: settings.requireRegistration,
    maxRoomsPerUser: settings.maxRoomsPerUser,
    maxRooms: config.rooms.maxRooms,
    maxCapacity: config.rooms.maxCapacity,
    inviteBytes: config.rooms.inviteBytes,
  };
}

function leaveReason(reason: CloseReason): string {
  switch (reason.code) {
    case 'LEFT':
      return 'left';
    case 'HEARTBEAT_TIMEOUT':
      return 'timed out';
    case 'KICKED':
      return 'kicked';
    case 'BANNED':
      return 'banned';
    case 'DISCONNECTED':
      return 'connection lost';
    default:
      return 'disconnected';
  }
}
