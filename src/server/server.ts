// The chat server's lifecycle: prepare the data directory, identity and keys, build the services
// (services.ts), listen (listener.ts), write server.json; and the orderly stop. Everything it
// needs (settings, secrets, clock, logger) is passed in.
import path from 'node:path';
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { onLogFileFailure, type Logger } from '../common/logger.js';
import { serverLimits, type ServerLimits, type ServerSettings } from '../common/settings.js';
import { loadAuthKeys, type AuthKeys } from '../data-dir/auth-keys.js';
import { ensurePrivateDir } from '../data-dir/files.js';
import { loadOrCreateIdentity, type ServerIdentity } from '../data-dir/identity.js';
import { removeServerInfo, runningServerPid, writeServerInfo, type ServerInfo } from '../data-dir/server-info.js';
import { DATABASE_FILE, Store } from '../data-dir/store.js';
import { LogThrottle } from './abuse/log-throttle.js';
import { Accounts } from './accounts/accounts.js';
import { Audience } from './chat/fanout.js';
import { Clock } from './clock.js';
import { Listener } from './listener.js';
import { realTimers, type Timers } from './moderation/countdown.js';
import { DEFAULT_SHUTDOWN_MESSAGE } from './moderation/shutdown.js';
import { buildServices, type Services } from './services.js';
import type { Session } from './session/session.js';
import { Checkpointer } from './storage/checkpointer.js';

/** How long a shutdown waits for sessions to say goodbye before it cuts them off. */
const SHUTDOWN_GRACE_MS = 3000;

export interface ServerOptions {
  settings: ServerSettings;
  passkey: string;
  rootPassword: string;
  logger: Logger;
  replaceSecrets?: boolean;
  /** Limits to use instead of the ones the settings imply (tests). */
  limits?: Partial<ServerLimits>;
  /** Injected clock (milliseconds since the epoch). */
  now?: () => number;
  /** Injected timers for the timed shutdown's countdown. */
  timers?: Timers;
}

export class PartyPoolServer {
  /** Resolves once the server has shut down, whoever asked (a signal or a root). */
  readonly stopped: Promise<void>;
  readonly services: Services;
  readonly limits: ServerLimits;
  private markStopped: () => void = () => undefined;
  private shuttingDown: Promise<void> | undefined;
  private readonly listener: Listener;
  private readonly checkpointer: Checkpointer;
  private readonly logThrottle = new LogThrottle(60_000);
  private readonly stopWatchingLog: () => void;
  private maintenance: NodeJS.Timeout | undefined;
  private wroteInfo = false;
  private readonly dataDir: string;

  private constructor(
    options: ServerOptions,
    readonly identity: ServerIdentity,
    readonly store: Store,
    keys: AuthKeys,
    private readonly clock: Clock,
  ) {
    const settings = options.settings;
    this.dataDir = settings.dataDir;
    this.limits = { ...serverLimits(settings), ...options.limits };
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.services = buildServices({ settings, limits: this.limits, logger: options.logger, clock, timers: options.timers ?? realTimers, keys, store, shutdown: (message) => this.shutdown(message) });
    const { alarm, guard, moderation, loginBlocks, roster, handshake, arrivals, dispatcher } = this.services;
    this.checkpointer = new Checkpointer(store.db, path.join(settings.dataDir, DATABASE_FILE), config.storage.checkpointIntervalMs, (reason) => this.logger.warn('database checkpoint', { reason: reason.slice(0, 200) }));
    this.stopWatchingLog = onLogFileFailure(options.logger, (error) => alarm.report('log', error));
    this.listener = new Listener(identity, settings, this.limits, guard, moderation, loginBlocks, roster, this.logThrottle, options.logger, clock, {
      opened: (session) => handshake.begin(session),
      message: (session, message) => dispatcher.handle(session, message),
      crashed: (session, error) => this.logger.error('session error', { conn: session.id, reason: error instanceof Error ? error.message : String(error) }),
      closed: (session, reason) => {
        handshake.end(session);
        arrivals.depart(session, reason);
      },
    });
  }

  /** Prepare the data dir, identity and keys, then listen. Resolves once accepting. */
  static async start(options: ServerOptions): Promise<PartyPoolServer> {
    const settings = options.settings;
    ensurePrivateDir(settings.dataDir, 'data directory');
    // Two servers on one data dir would share the database and fight over server.json.
    const running = runningServerPid(settings.dataDir);
    if (running !== undefined && running !== process.pid) {
      throw new PartyPoolError('SERVER_RUNNING', `A server is already running from ${settings.dataDir} (pid ${running}); stop it first, or use another --data-dir.`);
    }
    const rootStretching = { ...serverLimits(settings), ...options.limits }.login.keyStretching;
    const [identity, keys] = await Promise.all([
      loadOrCreateIdentity(settings.dataDir, config.serverName),
      loadAuthKeys({ dataDir: settings.dataDir, passkey: options.passkey, rootPassword: options.rootPassword, iterations: settings.kdfIterations, replaceSecrets: options.replaceSecrets ?? false, rootStretching }),
    ]);
    const store = Store.open(settings.dataDir, undefined, settings.dbSync);
    let server: PartyPoolServer;
    try {
      // Issue 11: scrypt hashes from before protocol 3 become OPAQUE records (once).
      const migration = await new Accounts(store.db).migrateScryptHashes(keys.opaque.serverSetup);
      if (migration.migrated + migration.damaged > 0) options.logger.info('accounts migrated to OPAQUE', { migrated: migration.migrated, damaged: migration.damaged });
      server = new PartyPoolServer(options, identity, store, keys, new Clock(options.now));
      await server.listen(settings);
    } catch (error) {
      store.close();
      throw error;
    }
    const { history } = server.services;
    if (history.enabled) history.startRetention(config.history.retentionIntervalMs, () => server.clock.now(), (error) => server.services.alarm.report('retention', error));
    else server.logger.info('history is off', { deletedMessages: history.clearedAtStart });
    server.checkpointer.start();
    return server;
  }

  private async listen(settings: ServerSettings): Promise<void> {
    await this.listener.listen();
    this.maintenance = setInterval(() => this.pruneAbuseState(), 60_000);
    this.maintenance.unref();
    this.services.stats.start();
    const info = this.info(settings);
    writeServerInfo(settings.dataDir, info);
    this.wroteInfo = true;
    this.logger.info('listening', { host: info.host, port: info.port, fingerprint: info.fingerprint });
  }

  /** What `server.json` holds. */
  private info(settings: ServerSettings): ServerInfo {
    return { host: settings.host, port: this.port, fingerprint: this.identity.fingerprint, pid: process.pid, version: config.version };
  }

  get logger(): Logger {
    return this.services.context.logger;
  }

  get port(): number {
    return this.listener.port;
  }

  /** Users online (roots excluded). */
  get userCount(): number {
    return this.services.roster.userCount;
  }

  /** Bans, kicks and the per-address statistics. */
  get moderation(): Services['moderation'] {
    return this.services.moderation;
  }

  /** Users online, by name. */
  onlineNames(): string[] {
    return this.services.roster.userNames();
  }

  /** The session of the member called `name` (case-insensitive), if logged in. */
  sessionFor(name: string): Session | undefined {
    return this.services.roster.named(name)?.session;
  }

  /** Every logged-in session, users and roots. */
  activeSessions(): Session[] {
    return [...this.services.roster.members()].map((member) => member.session);
  }

  /** Forget expired per-address counters, so strangers cannot grow memory over time. */
  private pruneAbuseState(): void {
    const now = this.clock.now();
    this.services.guard.prune(now);
    this.services.loginBlocks.prune(now);
    this.services.loginFailures.guessing.tick();
    this.logThrottle.prune(now);
  }

  /** Tell everyone, close every session, stop listening and remove server.json. */
  shutdown(message = DEFAULT_SHUTDOWN_MESSAGE): Promise<void> {
    // Whoever asks second (a signal during a root's shutdown) waits for the same one.
    this.shuttingDown ??= this.stop(message);
    return this.shuttingDown;
  }

  private async stop(message: string): Promise<void> {
    const { handshake, arrivals, fanout, guard, shutdown, stats, history } = this.services;
    handshake.shuttingDown();
    arrivals.shuttingDown();
    if (this.maintenance) clearInterval(this.maintenance);
    const sessions = [...this.listener.connections];
    this.logger.info('shutting down', { sessions: sessions.length });
    const closed = this.listener.stopAccepting();
    fanout.send(Audience.sessions(sessions), { type: 'notice', from: 'server', text: message, time: this.clock.iso() });
    for (const session of sessions) session.close({ code: 'SHUTDOWN', message });
    await Promise.race([Promise.all(sessions.map((s) => s.ended)), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())]);
    for (const session of this.listener.connections) session.socket.destroy();
    await Promise.all(sessions.map((s) => s.ended));
    // Handshakes still in progress would otherwise end (and log) after the logger has closed.
    guard.destroyAll();
    await closed;
    shutdown.stop();
    stats.stop();
    if (this.wroteInfo) removeServerInfo(this.dataDir);
    await history.stop();
    await this.checkpointer.stop();
    this.store.close();
    this.logger.info('stopped');
    this.stopWatchingLog();
    this.markStopped();
  }
}
