// The chat server's lifecycle: prepare the data directory, identity and keys, build the services
// (services.ts), listen (listener.ts), write server.json; and the orderly stop. Everything it
// needs (settings, secrets, clock, logger) is passed in.
import path from 'node:path';
import { config } from '../../config.js';
import { PartyPoolError, type ErrorCode } from '../common/errors.js';
import { onLogFileFailure, type Logger } from '../common/logger.js';
import type { ConfigFile } from '../common/config-file.js';
import { serverLimits, type ServerLimits, type ServerSettings } from '../common/settings.js';
import { loadAuthKeys, type AuthKeys } from '../data-dir/auth-keys.js';
import { ensurePrivateDir } from '../data-dir/files.js';
import { loadOrCreateIdentity, type ServerIdentity } from '../data-dir/identity.js';
import { removeServerInfo, runningServerPid, writeServerInfo, type ServerInfo } from '../data-dir/server-info.js';
import { DATABASE_FILE, Store } from '../data-dir/store.js';
import { LogThrottle } from './abuse/log-throttle.js';
import { Accounts } from './accounts/accounts.js';
import { Audience } from './chat/fanout.js';
import type { BlobStoreHooks } from './files/blob-store.js';
import { Clock } from './clock.js';
import { Listener } from './listener.js';
import type { MetricsSources, PrometheusMetrics } from './metrics-endpoint.js';
import { realTimers, type Timers } from './moderation/countdown.js';
import { DEFAULT_SHUTDOWN_MESSAGE } from './moderation/shutdown.js';
import { describeChanges, LIVE_LIMITS, planReload, type ReloadReport } from './reload.js';
import { buildServices, type Services } from './services.js';
import { SessionIds } from './session/session-ids.js';
import type { Session } from './session/session.js';
import { Checkpointer } from './storage/checkpointer.js';
import type { DiskProbe } from './storage/disk-space.js';

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
  /** How free disk space is read (tests simulate a filling disk). */
  diskProbe?: DiskProbe;
  /** The config file the settings were read with: its "lockdown" is applied when it changes. */
  configFile?: ConfigFile;
  /** Serve metrics on this port (tests pass 0); default: settings.metricsPort, 0 meaning off. */
  metricsPort?: number;
  /** Tests: a disk for shared files that looks full, or fills up mid-upload. */
  fileHooks?: BlobStoreHooks;
}

/** The settings key remembering the config file's last lockdown value, so it is applied once per change. */
const FILE_LOCKDOWN_KEY = 'lockdown_config_file';

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
  /** The settings in force: a copy the server owns, changed in place by a reload. */
  readonly settings: ServerSettings;
  /** Where metrics are served, when they are on. */
  metricsPort: number | undefined;

  private constructor(
    options: ServerOptions,
    readonly identity: ServerIdentity,
    readonly store: Store,
    keys: AuthKeys,
    private readonly clock: Clock,
    private readonly metrics: PrometheusMetrics | undefined,
  ) {
    const settings = { ...options.settings };
    this.settings = settings;
    this.dataDir = settings.dataDir;
    this.limits = { ...serverLimits(settings), ...options.limits };
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.services = buildServices({ settings, limits: this.limits, logger: options.logger, clock, timers: options.timers ?? realTimers, keys, store, diskProbe: options.diskProbe, shutdown: (message) => this.shutdown(message), fileHooks: options.fileHooks, ...(metrics ? { metrics } : {}) });
    const { alarm, guard, moderation, loginBlocks, roster, handshake, arrivals, dispatcher } = this.services;
    const sessionIds = new SessionIds(store, config.operations.sessionIdBlock, (error) => alarm.report('database', error));
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
      ...(metrics ? { errorSent: (session: Session | undefined, code: ErrorCode) => metrics.errorSent(session, code) } : {}),
    }, () => sessionIds.take());
  }

  /** Prepare the data dir, identity and keys, then listen. Resolves once accepting. */
  static async start(options: ServerOptions): Promise<PartyPoolServer> {
    const settings = options.settings;
    // A data dir made beforehand with loose modes is tightened (and each change logged), not trusted.
    for (const [dir, purpose] of [[settings.dataDir, 'data directory'], [settings.logDir, 'log directory']] as const) {
      for (const notice of ensurePrivateDir(dir, purpose)) options.logger.warn('permissions tightened', { detail: notice });
    }
    // Two servers on one data dir would share the database and fight over server.json.
    const running = runningServerPid(settings.dataDir);
    if (running !== undefined && running !== process.pid) {
      throw new PartyPoolError('SERVER_RUNNING', `A server is already running from ${settings.dataDir} (pid ${running}); stop it first, or use another --data-dir.`);
    }
    const rootStretching = { ...serverLimits(settings), ...options.limits }.login.keyStretching;
    // Both run to the end even when one fails: a process that exits on the first failure must not
    // leave a half-made identity behind (a busy machine showed the certificate still being written).
    const [madeIdentity, derivedKeys] = await Promise.allSettled([
      loadOrCreateIdentity(settings.dataDir, config.serverName),
      loadAuthKeys({ dataDir: settings.dataDir, passkey: options.passkey, rootPassword: options.rootPassword, iterations: settings.kdfIterations, replaceSecrets: options.replaceSecrets ?? false, rootStretching }),
    ]);
    if (madeIdentity.status === 'rejected') throw madeIdentity.reason;
    if (derivedKeys.status === 'rejected') throw derivedKeys.reason;
    const identity = madeIdentity.value;
    const keys = derivedKeys.value;
    const store = Store.open(settings.dataDir, undefined, settings.dbSync);
    const metricsPort = options.metricsPort ?? (settings.metricsPort > 0 ? settings.metricsPort : undefined);
    // prom-client is loaded only when metrics are on.
    const metrics = metricsPort === undefined ? undefined : new (await import('./metrics-endpoint.js')).PrometheusMetrics();
    let server: PartyPoolServer | undefined;
    try {
      // Issue 11: scrypt hashes from before protocol 3 become OPAQUE records (once).
      const migration = await new Accounts(store.db).migrateScryptHashes(keys.opaque.serverSetup);
      if (migration.migrated + migration.damaged > 0) options.logger.info('accounts migrated to OPAQUE', { migrated: migration.migrated, damaged: migration.damaged });
      server = new PartyPoolServer(options, identity, store, keys, new Clock(options.now), metrics);
      server.applyFileLockdown(options.configFile);
      // Shared files' folders exist before the first connection can offer one.
      server.services.files.start();
      await server.listen(settings, metricsPort);
    } catch (error) {
      await server?.services.files.stop();
      await metrics?.close();
      store.close();
      throw error;
    }
    const { history } = server.services;
    if (history.enabled) history.startRetention(config.history.retentionIntervalMs, () => server.clock.now(), (error) => server.services.alarm.report('retention', error));
    else server.logger.info('history is off', { deletedMessages: history.clearedAtStart });
    server.services.direct.startRetention((error) => server.services.alarm.report('retention', error));
    server.checkpointer.start();
    await server.services.disk.start(config.quotas.diskCheckIntervalMs);
    return server;
  }

  private async listen(settings: ServerSettings, metricsPort: number | undefined): Promise<void> {
    if (this.metrics && metricsPort !== undefined) {
      this.metricsPort = await this.metrics.serve(this.metricsSources(), (session) => this.services.roster.memberOf(session) !== undefined, { port: metricsPort });
      this.logger.info('metrics listening', { url: `http://${config.metrics.host}:${this.metricsPort}/metrics` });
    }
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

  /** What the metrics endpoint reads when scraped. */
  private metricsSources(): MetricsSources {
    const { roster, guard, moderation, alarm } = this.services;
    return {
      sessions: () => ({ users: roster.userCount, roots: roster.size - roster.userCount }),
      connections: () => ({ open: guard.openCount, unauthenticated: guard.unauthenticated() }),
      refusedBeforeTls: () => ({ ...guard.refused }),
      bans: () => moderation.bans.size,
      storageFailures: () => alarm.total,
      dataDir: this.dataDir,
      logDir: this.settings.logDir,
      databaseFile: path.join(this.dataDir, DATABASE_FILE),
    };
  }

  /**
   * Apply new settings (SIGHUP): what can change live changes now, the rest is reported as
   * needing a restart; the config file's lockdown is applied if it changed. Logs what changed.
   */
  reload(next: ServerSettings, file: ConfigFile | undefined): ReloadReport {
    const { live, restart } = planReload(this.settings, next);
    const limits = this.limits as { -readonly [K in keyof ServerLimits]: ServerLimits[K] };
    const { guardOptions, failurePolicy } = this.services.live;
    for (const key of LIVE_LIMITS) limits[key] = next[key];
    Object.assign(this.settings, Object.fromEntries(live.map((change) => [change.key, change.to])));
    guardOptions.maxUnauthenticated = next.maxUnauthenticated;
    Object.assign(failurePolicy, { maxFailures: next.authFailureLimit, windowMs: next.authFailureWindowMs, firstBlockMs: next.authBlockMs, maxBlockMs: next.authBlockMaxMs });
    const lockdown = this.applyFileLockdown(file);
    const report: ReloadReport = { applied: live, needRestart: restart, ...(lockdown ? { lockdown } : {}) };
    const source = file?.file ?? 'no config file';
    if (live.length === 0 && restart.length === 0 && !lockdown) this.logger.info('settings reloaded: nothing changed', { file: source });
    if (live.length > 0) this.logger.info('settings reloaded', { file: source, changed: describeChanges(live) });
    if (restart.length > 0) this.logger.warn('settings changed that need a restart; not applied', { file: source, changed: describeChanges(restart) });
    // Last, so the lines above are written at the level they were asked for under.
    this.logger.level = next.logLevel;
    return report;
  }

  /**
   * The config file's "lockdown", applied when it differs from the value last applied from the
   * file (kept in the database): a root's own lockdown on/off in between is not undone by a
   * restart or an unrelated reload.
   */
  private applyFileLockdown(file: ConfigFile | undefined): 'on' | 'off' | undefined {
    const wanted = file?.lockdown;
    if (wanted === undefined) return undefined;
    const value = wanted ? 'on' : 'off';
    if (this.store.getSetting(FILE_LOCKDOWN_KEY) === value) return undefined;
    const { lockdown, audit } = this.services;
    lockdown.set(wanted, 'config file', this.clock.now());
    this.store.setSetting(FILE_LOCKDOWN_KEY, value);
    this.logger.warn(`lockdown ${value} (config file)`, { file: file?.file ?? '' });
    audit.record({ who: 'config file', from: 'local', action: 'lockdown', targets: [value], result: 'ok' });
    return value;
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
    const { handshake, arrivals, fanout, guard, shutdown, stats, history, direct } = this.services;
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
    this.services.disk.stop();
    if (this.wroteInfo) removeServerInfo(this.dataDir);
    await history.stop();
    await direct.stop();
    await this.metrics?.close();
    await this.services.files.stop();
    await this.checkpointer.stop();
    this.store.close();
    this.logger.info('stopped');
    this.stopWatchingLog();
    this.markStopped();
  }
}
