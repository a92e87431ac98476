// The server's object graph, built in one place: every service gets its collaborators here, by
// name, and nothing else. Reading this file top to bottom shows who depends on whom.
import { config } from '../../config.js';
import type { Logger } from '../common/logger.js';
import type { ServerLimits, ServerSettings } from '../common/settings.js';
import type { AuthKeys } from '../data-dir/auth-keys.js';
import { PackageRegistry } from '../data-dir/packages.js';
import type { Store } from '../data-dir/store.js';
import { AbuseMonitor } from './abuse/abuse-monitor.js';
import { ConnectionGuard } from './abuse/connection-guard.js';
import { GuessingAlarm } from './abuse/distributed-guessing.js';
import { Lockdown } from './abuse/lockdown.js';
import { LoginBlocks } from './abuse/login-blocks.js';
import { LoginFailures } from './abuse/login-failures.js';
import { LoginTargets } from './abuse/login-targets.js';
import { LoginWork } from './abuse/login-work.js';
import { TrustedAddresses } from './abuse/trusted-addresses.js';
import { AccountService } from './accounts/account-service.js';
import { Accounts } from './accounts/accounts.js';
import { Passwords } from './accounts/passwords.js';
import { ChatLines } from './chat/chat-lines.js';
import { Delivery } from './chat/delivery.js';
import { Audience, Fanout } from './chat/fanout.js';
import { HistoryReplay } from './chat/history-replay.js';
import { HistoryStore } from './chat/history.js';
import { RoomService } from './chat/room-service.js';
import { Rooms } from './chat/rooms.js';
import type { Clock } from './clock.js';
import type { CommandContext } from './commands/context.js';
import { Blocks } from './direct/blocks.js';
import { DeviceBook } from './direct/devices.js';
import { DirectService } from './direct/direct-service.js';
import { DirectStore } from './direct/direct-store.js';
import { commandSpecs, messageSpecs } from './commands/registry.js';
import { CommandTable, Dispatcher } from './commands/table.js';
import { BlobStore, type BlobStoreHooks } from './files/blob-store.js';
import { FileRecords } from './files/file-records.js';
import { FileService } from './files/file-service.js';
import { Admission } from './login/admission.js';
import { Arrivals } from './login/arrivals.js';
import { LoginDevices } from './login/devices.js';
import { LoginHandshake } from './login/handshake.js';
import { noMetrics, type ServerMetrics } from './metrics.js';
import { LocalConsoles } from './login/local-consoles.js';
import { AuditLog } from './moderation/audit.js';
import { BanList } from './moderation/bans.js';
import type { Timers } from './moderation/countdown.js';
import { Moderation } from './moderation/moderation.js';
import { Notices } from './moderation/notices.js';
import { ShutdownCountdown } from './moderation/shutdown.js';
import { Statistics } from './moderation/statistics.js';
import { ServerStats } from './moderation/stats.js';
import { Roster } from './roster.js';
import { DiskSpace, statfsProbe, type DiskProbe } from './storage/disk-space.js';
import { StorageQuotas } from './storage/quotas.js';
import { RequestLog } from './storage/request-log.js';
import { StorageAlarm } from './storage/storage-alarm.js';

export interface ServiceInputs {
  readonly settings: ServerSettings;
  readonly limits: ServerLimits;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly keys: AuthKeys;
  readonly store: Store;
  /** How free disk space is read (tests pass their own). */
  readonly diskProbe?: DiskProbe | undefined;
  /** The server's own shutdown (the timed shutdown ends in it). */
  readonly shutdown: (message: string) => Promise<void>;
  /** Prometheus metrics when enabled; hooks that do nothing otherwise. */
  readonly metrics?: ServerMetrics;
  /** Tests: a disk that looks full, or fills up mid-upload. */
  readonly fileHooks?: BlobStoreHooks | undefined;
}

export type Services = ReturnType<typeof buildServices>;

export function buildServices(inputs: ServiceInputs) {
  const { settings, limits, logger, clock, store } = inputs;
  const metrics = inputs.metrics ?? noMetrics;
  const now = (): number => clock.now();

  // Who is online, and the one way to reach them.
  const roster = new Roster();
  const delivery = new Delivery(limits.maxUnsentBytes, limits.historyFrameBudgetBytes);
  const history = new HistoryStore(store.db, { enabled: settings.historyEnabled, retentionDays: settings.historyRetentionDays, maxPerRoom: settings.historyMaxPerRoom, deleteBatch: config.history.deleteBatch });
  const roomData = new Rooms(store.db, history.latestIds());
  const fanout = new Fanout(roster, roomData, delivery);
  const alarm = new StorageAlarm(logger, clock, fanout, config.abuse.storageReportIntervalMs);
  // Storage budgets and the low-disk reserve (issue 11).
  const disk = new DiskSpace(settings.dataDir, { reserveBytes: settings.diskReserveBytes, warnBytes: settings.diskWarnBytes }, inputs.diskProbe ?? statfsProbe, fanout, logger, clock);
  const quotas = new StorageQuotas(
    {
      historyBytesPerUser: settings.historyBytesPerUserPerDay,
      historyBytesPerRoom: settings.historyBytesPerRoomPerDay,
      historyBytesPerServer: settings.historyBytesPerDay,
      requestsPerUser: settings.requestsPerUserPerDay,
      accountsPerAddress: settings.accountsPerAddressPerDay,
      uploadBytesPerUser: settings.uploadBytesPerUserPerDay,
      uploadBytesPerServer: settings.uploadBytesPerDay,
    },
    disk,
    now,
  );
  for (const row of history.bytesSince(quotas.dayStart())) quotas.seed('history', { user: row.sender, roomId: row.roomId, amount: row.bytes });

  // Moderation: statistics, the audit trail, bans, notices, the timed shutdown.
  const counters = new ServerStats({ dataDir: settings.dataDir, fileName: config.admin.statsFileName, maxAddresses: config.admin.statsMaxAddresses, now });
  if (counters.load() === 'damaged') logger.warn('stats file damaged; statistics start afresh', { file: counters.file });
  const stats = new Statistics(counters, roster, alarm, config.admin.statsIntervalMs);
  const audit = new AuditLog(settings.logDir, config.admin.auditFileName, now, (error) => alarm.report('audit', error));
  const bans = new BanList(store.db, now);
  const notices = new Notices(fanout, clock);
  const shutdown = new ShutdownCountdown(notices, clock, inputs.timers, logger, inputs.shutdown);
  const moderation = new Moderation(bans, counters, roster, shutdown, logger, clock);

  // Abuse resistance.
  const trusted = new TrustedAddresses(store.db, { trustMs: settings.trustedAddressDays * 86_400_000, maxAddresses: config.preAuth.maxTrusted }, (error) => alarm.report('database', error));
  trusted.load(clock.now());
  // The guard's options and the failure policy are read on every use: a reload (SIGHUP) changes them in place.
  const guardOptions = {
    connectionsPerMinute: settings.connectionsPerMinute,
    maxUnauthenticated: settings.maxUnauthenticated,
    reservedUnauthenticated: settings.reservedUnauthenticated,
    maxUnauthenticatedPerAddress: settings.maxUnauthenticatedPerAddress,
    evictAfterMs: config.preAuth.evictAfterMs,
    bannedExplainedPerMinute: config.preAuth.bannedExplainedPerMinute,
  };
  const guard = new ConnectionGuard(guardOptions, trusted);
  const failurePolicy = { maxFailures: settings.authFailureLimit, windowMs: settings.authFailureWindowMs, firstBlockMs: settings.authBlockMs, maxBlockMs: settings.authBlockMaxMs };
  const loginBlocks = new LoginBlocks({ logger, now, reportStorageFailure: (what, error) => alarm.report(what, error) }, store.db, bans, failurePolicy);
  loginBlocks.load();
  // Issue 11: failures per target, the server-wide rate, sources known to log in, the login work.
  const loginTargets = new LoginTargets({ logger, now, reportStorageFailure: (what, error) => alarm.report(what, error) }, store.db, limits.login);
  loginTargets.load();
  const guessing = new GuessingAlarm(limits.login, logger, now, (text) => fanout.send(Audience.roots, { type: 'notice', from: 'server', text, time: clock.iso() }));
  const failures = new LoginFailures(counters, loginBlocks, loginTargets, guessing, trusted, now);
  const loginWork = new LoginWork(limits.login);
  const passwords = new Passwords(inputs.keys.opaque, loginWork, limits.login);
  const lockdown = new Lockdown(store);
  lockdown.load();
  const abuse = new AbuseMonitor(guard, loginBlocks, alarm, roster, settings);

  // Rooms, accounts, history and chat.
  const accountData = new Accounts(store.db);
  const replay = new HistoryReplay(history, roomData, delivery, limits.historyOnJoin);
  const rooms = new RoomService(roomData, accountData, roster, fanout, replay, logger, clock, limits, config.rooms.inviteBytes, quotas);
  // Direct messages (issue 13): devices, blocks, sealed messages for offline devices.
  const directStore = new DirectStore(store);
  const devices = new DeviceBook(directStore, accountData, roster, delivery, alarm, logger, clock, limits);
  const direct = new DirectService(directStore, devices, new Blocks(directStore, accountData, roster, clock), delivery, logger, clock, limits, { intervalMs: config.direct.retentionIntervalMs, deleteBatch: config.direct.deleteBatch });
  const accounts = new AccountService(accountData, passwords, rooms, roster, fanout, failures, alarm, logger, clock, limits, direct, quotas);
  const chat = new ChatLines(rooms, history, fanout, stats, alarm, quotas, logger, clock, limits.maxTextLength, metrics);
  const packages = new PackageRegistry(store);
  const requests = new RequestLog({ dir: settings.dataDir, ...config.requests });

  // File sharing.
  const files = new FileService(new FileRecords(store.db), new BlobStore(settings.dataDir, inputs.fileHooks), rooms, accountData, roster, fanout, alarm, logger, clock, limits, quotas, {
    durable: settings.dbSync === 'full',
    sweepIntervalMs: config.files.sweepIntervalMs,
  });

  // Logging in, and the commands.
  const admission = new Admission(moderation, packages, lockdown, accountData, roster, limits);
  // Root logins this process makes to itself (the admin dashboard) are named and audited as such.
  const consoles = new LocalConsoles();
  const arrivals = new Arrivals(roster, accounts, replay, fanout, guard, stats, audit, logger, clock, limits, direct, metrics, consoles);
  const server = { name: config.serverName, version: config.version, protocols: config.protocolVersions, id: direct.serverId };
  const handshake = new LoginHandshake(
    inputs.keys,
    server,
    admission,
    accountData,
    passwords,
    arrivals,
    failures,
    alarm,
    logger,
    clock,
    { ...limits, requireRegistration: settings.requireRegistration },
    new LoginDevices(devices),
    quotas,
  );
  const table = new CommandTable(commandSpecs, limits);
  const context: CommandContext = {
    limits,
    clock,
    logger,
    roster,
    handshake,
    admission,
    chat,
    rooms,
    replay,
    accounts,
    moderation,
    notices,
    shutdown,
    stats,
    abuse,
    lockdown,
    loginFailures: failures,
    loginWork,
    packages,
    requests,
    alarm,
    quotas,
    disk,
    direct,
    files,
    listCommands: (role, protocol) => table.list(role, protocol),
  };
  const dispatcher = new Dispatcher(messageSpecs, table, context, { roster, delivery, audit, alarm, abuse, logger, clock });

  return { roster, delivery, fanout, alarm, history, direct, stats, audit, moderation, shutdown, guard, trusted, disk, quotas, loginBlocks, loginFailures: failures, loginWork, accountData, abuse, requests, packages, handshake, arrivals, dispatcher, context, lockdown, metrics, roomData, consoles, files, live: { guardOptions, failurePolicy } };
}
