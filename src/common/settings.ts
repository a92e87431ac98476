// Server settings resolved in one place: CLI flag, then PARTY_POOL_* environment variable, then
// the config file (party-pool.json, read and validated by config-file.ts), then the default in
// config.ts. Every bad value is a usage error naming its source.
import { config } from '../../config.js';
import { PartyPoolError } from './errors.js';
import { defaultDataDir, defaultLogDir } from './paths.js';

/** SQLite durability: 'normal' (survives a server crash) or 'full' (also power loss). */
export type DbSync = 'normal' | 'full';

export interface ServerSettings {
  host: string;
  port: number;
  dataDir: string;
  logDir: string;
  maxClients: number;
  maxSessionsPerAddress: number;
  maxPresenceAnnounced: number;
  dbSync: DbSync;
  maxFrameBytes: number;
  maxUnsentBytes: number;
  authTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  kdfIterations: number;
  publicIpUrl: string;
  /** The public address or DNS name the admin typed (PARTY_POOL_PUBLIC_ADDRESS); '' when not given. */
  publicAddress: string;
  historyEnabled: boolean;
  historyRetentionDays: number;
  historyMaxPerRoom: number;
  historyOnJoin: number;
  requireRegistration: boolean;
  maxRoomsPerUser: number;
  tlsHandshakeTimeoutMs: number;
  messageRatePerSecond: number;
  messageBurst: number;
  commandRatePerSecond: number;
  commandBurst: number;
  floodMaxRejections: number;
  floodWindowMs: number;
  connectionsPerMinute: number;
  maxUnauthenticated: number;
  authFailureLimit: number;
  authFailureWindowMs: number;
  authBlockMs: number;
  authBlockMaxMs: number;
  // Issue 11 (sec-limits): pre-login slots.
  maxUnauthenticatedPerAddress: number;
  reservedUnauthenticated: number;
  trustedAddressDays: number;
  // Issue 11 (sec-limits): storage budgets per day, the low-disk reserve, squatting, seats.
  historyBytesPerUserPerDay: number;
  historyBytesPerRoomPerDay: number;
  historyBytesPerDay: number;
  requestsPerUserPerDay: number;
  accountsPerAddressPerDay: number;
  uploadBytesPerUserPerDay: number;
  uploadBytesPerDay: number;
  diskReserveBytes: number;
  diskWarnBytes: number;
  maxRoomsOwnedPerUser: number;
  maxSessionsPerAccount: number;
  // Direct messages (issue 13).
  maxDevices: number;
  directMaxStored: number;
  directMaxStoredBytes: number;
  directRetentionDays: number;
  // Operations (issue 16): how much the log says, and the Prometheus endpoint (0: off).
  logLevel: LogLevel;
  metricsPort: number;
  // File sharing (issue 14).
  filesEnabled: boolean;
  fileMaxBytes: number;
  fileUserQuotaBytes: number;
  fileTotalBytes: number;
  fileMinFreePercent: number;
  fileRetentionDays: number;
  filePartialExpiryHours: number;
  fileTransfersPerSession: number;
}

/** What the server log records, most severe first; each level includes the ones before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Kind = 'string' | 'int' | 'bool';

interface SettingSpec {
  readonly key: keyof ServerSettings;
  readonly flag?: string;
  readonly kind: Kind;
  readonly min?: number;
  readonly max?: number;
  readonly fallback: () => string | number | boolean;
  /** A string setting's allowed values. */
  readonly oneOf?: readonly string[];
}

/** A setting's value as the config file gives it (already checked against its spec). */
export type SettingValue = string | number | boolean;

/** Values from the config file, by setting key, and the file they came from (for messages). */
export interface FileSettings {
  readonly file: string;
  readonly values: Readonly<Partial<Record<keyof ServerSettings, SettingValue>>>;
}

/** The table of server settings; the README's configuration section mirrors it. */
export const serverSettingSpecs: readonly SettingSpec[] = [
  { key: 'host', flag: 'host', kind: 'string', fallback: () => config.host },
  { key: 'port', flag: 'port', kind: 'int', min: 0, max: 65535, fallback: () => config.port },
  { key: 'dataDir', flag: 'data-dir', kind: 'string', fallback: defaultDataDir },
  { key: 'logDir', flag: 'log-dir', kind: 'string', fallback: defaultLogDir },
  { key: 'maxClients', flag: 'max-clients', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.limits.maxClients },
  { key: 'maxSessionsPerAddress', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.limits.maxSessionsPerAddress },
  { key: 'dbSync', kind: 'string', oneOf: ['normal', 'full'], fallback: () => config.storage.dbSync },
  { key: 'maxPresenceAnnounced', kind: 'int', min: 0, max: 1_000_000, fallback: () => config.limits.maxPresenceAnnounced },
  { key: 'maxFrameBytes', kind: 'int', min: 1024, max: 16 * 1024 * 1024, fallback: () => config.limits.maxFrameBytes },
  { key: 'maxUnsentBytes', kind: 'int', min: 64 * 1024, max: 1024 * 1024 * 1024, fallback: () => config.limits.maxUnsentBytes },
  { key: 'authTimeoutMs', kind: 'int', min: 100, max: 600_000, fallback: () => config.limits.authTimeoutMs },
  { key: 'heartbeatIntervalMs', kind: 'int', min: 100, max: 3_600_000, fallback: () => config.limits.heartbeatIntervalMs },
  { key: 'heartbeatTimeoutMs', kind: 'int', min: 200, max: 7_200_000, fallback: () => config.limits.heartbeatTimeoutMs },
  { key: 'kdfIterations', kind: 'int', min: config.kdf.minIterations, max: config.kdf.maxIterations, fallback: () => config.kdf.iterations },
  { key: 'publicIpUrl', kind: 'string', fallback: () => config.network.publicIpUrl },
  { key: 'publicAddress', kind: 'string', fallback: () => config.network.publicAddress },
  { key: 'historyEnabled', kind: 'bool', fallback: () => config.historyEnabled },
  { key: 'historyRetentionDays', kind: 'int', min: 1, max: 36_500, fallback: () => config.history.retentionDays },
  { key: 'historyMaxPerRoom', kind: 'int', min: 1, max: 10_000_000, fallback: () => config.history.maxPerRoom },
  { key: 'historyOnJoin', kind: 'int', min: 0, max: config.history.maxRequest, fallback: () => config.history.onJoin },
  { key: 'requireRegistration', kind: 'bool', fallback: () => config.accounts.requireRegistration },
  { key: 'maxRoomsPerUser', kind: 'int', min: 1, max: 1000, fallback: () => config.rooms.maxRoomsPerUser },
  // Abuse resistance.
  { key: 'tlsHandshakeTimeoutMs', kind: 'int', min: 100, max: 600_000, fallback: () => config.limits.tlsHandshakeTimeoutMs },
  { key: 'messageRatePerSecond', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.messageRatePerSecond },
  { key: 'messageBurst', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.messageBurst },
  { key: 'commandRatePerSecond', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.commandRatePerSecond },
  { key: 'commandBurst', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.commandBurst },
  { key: 'floodMaxRejections', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.floodMaxRejections },
  { key: 'floodWindowMs', kind: 'int', min: 100, max: 3_600_000, fallback: () => config.abuse.floodWindowMs },
  { key: 'connectionsPerMinute', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.connectionsPerMinute },
  { key: 'maxUnauthenticated', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.maxUnauthenticated },
  { key: 'authFailureLimit', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.abuse.authFailureLimit },
  { key: 'authFailureWindowMs', kind: 'int', min: 1000, max: 7 * 86_400_000, fallback: () => config.abuse.authFailureWindowMs },
  { key: 'authBlockMs', kind: 'int', min: 1000, max: 365 * 86_400_000, fallback: () => config.abuse.authBlockMs },
  { key: 'authBlockMaxMs', kind: 'int', min: 1000, max: 365 * 86_400_000, fallback: () => config.abuse.authBlockMaxMs },
  // Issue 11 (sec-limits): pre-login slots (docs/SECURITY.md).
  { key: 'maxUnauthenticatedPerAddress', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.preAuth.maxPerAddress },
  { key: 'reservedUnauthenticated', kind: 'int', min: 0, max: 1_000_000, fallback: () => config.preAuth.reserved },
  { key: 'trustedAddressDays', kind: 'int', min: 0, max: 3650, fallback: () => config.preAuth.trustedDays },
  // Issue 11 (sec-limits): storage budgets per day (0 = no budget), the low-disk reserve, squatting, seats.
  { key: 'historyBytesPerUserPerDay', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.historyBytesPerUserPerDay },
  { key: 'historyBytesPerRoomPerDay', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.historyBytesPerRoomPerDay },
  { key: 'historyBytesPerDay', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.historyBytesPerDay },
  { key: 'requestsPerUserPerDay', kind: 'int', min: 0, max: 1_000_000, fallback: () => config.quotas.requestsPerUserPerDay },
  { key: 'accountsPerAddressPerDay', kind: 'int', min: 0, max: 1_000_000, fallback: () => config.quotas.accountsPerAddressPerDay },
  { key: 'uploadBytesPerUserPerDay', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.uploadBytesPerUserPerDay },
  { key: 'uploadBytesPerDay', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.uploadBytesPerDay },
  { key: 'diskReserveBytes', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.diskReserveBytes },
  { key: 'diskWarnBytes', kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, fallback: () => config.quotas.diskWarnBytes },
  { key: 'maxRoomsOwnedPerUser', kind: 'int', min: 1, max: 1000, fallback: () => config.rooms.maxRoomsOwnedPerUser },
  { key: 'maxSessionsPerAccount', kind: 'int', min: 1, max: 1_000_000, fallback: () => config.limits.maxSessionsPerAccount },
  // Direct messages (issue 13).
  { key: 'maxDevices', kind: 'int', min: 1, max: config.direct.maxDevices, fallback: () => config.direct.maxDevices },
  { key: 'directMaxStored', kind: 'int', min: 1, max: 10_000_000, fallback: () => config.direct.maxStoredPerAccount },
  { key: 'directMaxStoredBytes', kind: 'int', min: 64 * 1024, max: 1024 * 1024 * 1024 * 1024, fallback: () => config.direct.maxStoredBytesPerAccount },
  { key: 'directRetentionDays', kind: 'int', min: 1, max: 36_500, fallback: () => config.direct.retentionDays },
  // Operations.
  { key: 'logLevel', flag: 'log-level', kind: 'string', oneOf: LOG_LEVELS, fallback: () => config.log.level },
  { key: 'metricsPort', flag: 'metrics-port', kind: 'int', min: 0, max: 65535, fallback: () => config.metrics.port },
  // File sharing (issue 14).
  { key: 'filesEnabled', kind: 'bool', fallback: () => config.files.enabled },
  { key: 'fileMaxBytes', kind: 'int', min: 1, max: 2 ** 40, fallback: () => config.files.maxFileBytes },
  { key: 'fileUserQuotaBytes', kind: 'int', min: 1, max: 2 ** 50, fallback: () => config.files.userQuotaBytes },
  { key: 'fileTotalBytes', kind: 'int', min: 1, max: 2 ** 50, fallback: () => config.files.totalBytes },
  { key: 'fileMinFreePercent', kind: 'int', min: 0, max: 90, fallback: () => config.files.minFreePercent },
  { key: 'fileRetentionDays', kind: 'int', min: 1, max: 36_500, fallback: () => config.files.retentionDays },
  { key: 'filePartialExpiryHours', kind: 'int', min: 1, max: 8760, fallback: () => config.files.partialExpiryHours },
  { key: 'fileTransfersPerSession', kind: 'int', min: 1, max: 64, fallback: () => config.files.transfersPerSession },
];

/** `maxClients` -> `PARTY_POOL_MAX_CLIENTS`. */
export function envNameFor(key: string): string {
  return 'PARTY_POOL_' + key.replace(/[A-Z]/g, (letter) => '_' + letter).toUpperCase();
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

function parseValue(spec: SettingSpec, raw: string, source: string): string | number | boolean {
  if (spec.kind === 'string') {
    if (spec.oneOf && !spec.oneOf.includes(raw.trim().toLowerCase())) throw new PartyPoolError('CONFIG_INVALID', `${source} must be one of ${spec.oneOf.join(', ')}; not "${raw}".`);
    return spec.oneOf ? raw.trim().toLowerCase() : raw;
  }
  if (spec.kind === 'bool') {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new PartyPoolError('CONFIG_INVALID', `${source} must be true or false, not "${raw}".`);
  }
  if (!/^\d+$/.test(raw.trim())) {
    throw new PartyPoolError('CONFIG_INVALID', `${source} must be a whole number, not "${raw}".`);
  }
  const value = Number(raw.trim());
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    throw new PartyPoolError('CONFIG_INVALID', `${source} must be between ${spec.min} and ${spec.max}; got ${value}.`);
  }
  return value;
}

/** Where a setting's value came from: what a reload may change, and what a message names. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

/** The source `resolveServerSettings` takes a setting from: flag, then environment, then the config file. */
export function settingSource(spec: Pick<SettingSpec, 'key' | 'flag' | 'kind'>, flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv, file?: FileSettings): SettingSource {
  if (spec.flag && flags[spec.flag] !== undefined) return 'flag';
  const fromEnv = env[envNameFor(spec.key)];
  if (fromEnv !== undefined && (spec.kind === 'string' || fromEnv !== '')) return 'env';
  return file?.values[spec.key] !== undefined ? 'file' : 'default';
}

/** Resolve every server setting from flags, then environment, then the config file's values, then defaults. */
export function resolveServerSettings(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env, file?: FileSettings): ServerSettings {
  const out: Record<string, string | number | boolean> = {};
  for (const spec of serverSettingSpecs) {
    const envName = envNameFor(spec.key);
    switch (settingSource(spec, flags, env, file)) {
      case 'flag':
        out[spec.key] = parseValue(spec, flags[spec.flag ?? ''] ?? '', `--${spec.flag}`);
        break;
      case 'env':
        out[spec.key] = parseValue(spec, env[envName] ?? '', envName);
        break;
      case 'file':
        out[spec.key] = file?.values[spec.key] ?? spec.fallback();
        break;
      case 'default':
        out[spec.key] = spec.fallback();
    }
  }
  const settings = out as unknown as ServerSettings;
  if (settings.heartbeatTimeoutMs <= settings.heartbeatIntervalMs) {
    throw new PartyPoolError('CONFIG_INVALID', 'The heartbeat timeout must be longer than the heartbeat interval.');
  }
  const dbSync: string = settings.dbSync.trim().toLowerCase();
  if (dbSync !== 'normal' && dbSync !== 'full') {
    throw new PartyPoolError('CONFIG_INVALID', `PARTY_POOL_DB_SYNC must be "normal" or "full", not "${settings.dbSync}".`);
  }
  settings.dbSync = dbSync;
  if (settings.authBlockMaxMs < settings.authBlockMs) {
    throw new PartyPoolError('CONFIG_INVALID', `${envNameFor('authBlockMaxMs')} must be at least ${envNameFor('authBlockMs')}.`);
  }
  if (settings.diskWarnBytes < settings.diskReserveBytes) {
    throw new PartyPoolError('CONFIG_INVALID', `${envNameFor('diskWarnBytes')} must be at least ${envNameFor('diskReserveBytes')}: roots are warned before the reserve is reached.`);
  }
  if (settings.reservedUnauthenticated >= settings.maxUnauthenticated) {
    throw new PartyPoolError('CONFIG_INVALID', `${envNameFor('reservedUnauthenticated')} must be less than ${envNameFor('maxUnauthenticated')}: strangers need some room to log in for the first time.`);
  }
  return settings;
}

/**
 * Every size, count and rate the server enforces, in one object: the server settings above plus
 * the fixed limits of config.ts. The server resolves it once and hands it to whoever enforces a
 * limit, so a test can vary any of them per server and no command reads config.ts for a limit.
 */
export interface ServerLimits {
  // Connections and frames.
  readonly maxClients: number;
  readonly maxSessionsPerAddress: number;
  /** Above this many people online, joins and leaves are no longer announced. */
  readonly maxPresenceAnnounced: number;
  readonly maxFrameBytes: number;
  /** The largest frame the server sends: what clients accept (16 frames of the default size). */
  readonly maxOutboundFrameBytes: number;
  readonly maxUnsentBytes: number;
  readonly maxInvalidFrames: number;
  /** Name or password retries on one connection before it is closed. */
  readonly maxLoginRetries: number;
  readonly authTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  // Request rates per user session.
  readonly messageRatePerSecond: number;
  readonly messageBurst: number;
  readonly commandRatePerSecond: number;
  readonly commandBurst: number;
  readonly floodMaxRejections: number;
  readonly floodWindowMs: number;
  // Text.
  readonly maxTextLength: number;
  readonly maxRequestLength: number;
  // Rooms and history.
  readonly maxRoomsPerUser: number;
  /** Rooms one account may own, and sessions one issued package may hold at once (issue 11). */
  readonly maxRoomsOwnedPerUser: number;
  readonly maxSessionsPerAccount: number;
  readonly maxRooms: number;
  readonly maxRoomCapacity: number;
  readonly historyOnJoin: number;
  readonly historyMaxRequest: number;
  readonly historyFrameBudgetBytes: number;
  // What root and list commands send back at most.
  readonly packagesListed: number;
  readonly bansShown: number;
  readonly statsRowsShown: number;
  readonly requestsDefault: number;
  readonly requestsMax: number;
  readonly requestsMaxBytes: number;
  readonly maxShutdownDelaySeconds: number;
  // Issue 11 (sec-limits): what a connection may send (every frame counts).
  /** Frames and bytes a connection may send before it logs in. */
  readonly preAuthFrames: number;
  readonly preAuthBytes: number;
  /** A logged-in user's frame bucket (derived from its request rates, with room for heartbeats). */
  readonly frameBurst: number;
  readonly framesPerSecond: number;
  /** Root sessions get this many times a user's frame bucket. */
  readonly rootFrameFactor: number;
  /** Root listings are paged or capped (issue 11): `users` per page, `list-conn` rows, blocked addresses named in `stats`. */
  readonly usersPerPage: number;
  readonly connectionsShown: number;
  readonly blockedShown: number;
  // Direct messages (issue 13).
  readonly maxDevices: number;
  readonly directMaxStored: number;
  readonly directMaxStoredBytes: number;
  readonly directRetentionDays: number;
  readonly directMaxClockSkewMs: number;
  // File sharing (issue 14).
  readonly filesEnabled: boolean;
  readonly fileMaxBytes: number;
  readonly fileUserQuotaBytes: number;
  readonly fileTotalBytes: number;
  readonly fileMinFreePercent: number;
  readonly fileRetentionDays: number;
  readonly filePartialExpiryMs: number;
  readonly fileTransfersPerSession: number;
  /** Raw bytes per upload or download chunk: well under the frame limit once in base64 and JSON. */
  readonly fileChunkBytes: number;
  /** A download's next chunk waits until the session's unsent output is below this. */
  readonly fileSendBudgetBytes: number;
  // Logging in (issue 11).
  readonly login: LoginLimits;
}

/** Logging in (issue 11): see config.ts `login` for what each one means. */
export interface LoginLimits {
  readonly keyStretching: { readonly memory: number; readonly iterations: number; readonly parallelism: number };
  readonly maxExchanges: number;
  readonly maxExchangesPerAddress: number;
  readonly trustedReserve: number;
  readonly workTurnBudgetMs: number;
  readonly busyRetryAfterMs: number;
  readonly targetFreeFailures: number;
  readonly targetFirstDelayMs: number;
  readonly targetMaxDelayMs: number;
  readonly rootMaxDelayMs: number;
  readonly targetDecayMs: number;
  readonly knownGoodMs: number;
  readonly knownGoodPerTarget: number;
  readonly guessingWindowMs: number;
  readonly guessingFailures: number;
  readonly guessingAddresses: number;
  readonly guessingIntervalMs: number;
  readonly guessingBurst: number;
  readonly guessingCalmMs: number;
}

/** The limits for a server with these settings (config.ts supplies the fixed ones). */
export function serverLimits(settings: ServerSettings): ServerLimits {
  return {
    maxClients: settings.maxClients,
    maxSessionsPerAddress: settings.maxSessionsPerAddress,
    maxRoomsOwnedPerUser: settings.maxRoomsOwnedPerUser,
    maxSessionsPerAccount: settings.maxSessionsPerAccount,
    maxPresenceAnnounced: settings.maxPresenceAnnounced,
    maxFrameBytes: settings.maxFrameBytes,
    maxOutboundFrameBytes: 16 * config.limits.maxFrameBytes,
    maxUnsentBytes: settings.maxUnsentBytes,
    maxInvalidFrames: config.limits.maxInvalidFrames,
    maxLoginRetries: config.limits.maxLoginRetries,
    authTimeoutMs: settings.authTimeoutMs,
    heartbeatIntervalMs: settings.heartbeatIntervalMs,
    heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
    messageRatePerSecond: settings.messageRatePerSecond,
    messageBurst: settings.messageBurst,
    commandRatePerSecond: settings.commandRatePerSecond,
    commandBurst: settings.commandBurst,
    floodMaxRejections: settings.floodMaxRejections,
    floodWindowMs: settings.floodWindowMs,
    maxTextLength: config.limits.maxTextLength,
    maxRequestLength: config.limits.maxRequestLength,
    maxRoomsPerUser: settings.maxRoomsPerUser,
    maxRooms: config.rooms.maxRooms,
    maxRoomCapacity: config.rooms.maxCapacity,
    historyOnJoin: settings.historyOnJoin,
    historyMaxRequest: config.history.maxRequest,
    historyFrameBudgetBytes: config.history.frameBudgetBytes,
    packagesListed: config.packaging.listLimit,
    bansShown: config.admin.bansRowsShown,
    statsRowsShown: config.admin.statsRowsShown,
    requestsDefault: config.admin.requestsDefault,
    requestsMax: config.admin.requestsMax,
    requestsMaxBytes: config.admin.requestsMaxBytes,
    maxShutdownDelaySeconds: config.admin.maxShutdownDelaySeconds,
    login: config.login,
    maxDevices: settings.maxDevices,
    directMaxStored: settings.directMaxStored,
    directMaxStoredBytes: settings.directMaxStoredBytes,
    directRetentionDays: settings.directRetentionDays,
    directMaxClockSkewMs: config.direct.maxClockSkewMs,
    filesEnabled: settings.filesEnabled,
    fileMaxBytes: settings.fileMaxBytes,
    fileUserQuotaBytes: settings.fileUserQuotaBytes,
    fileTotalBytes: settings.fileTotalBytes,
    fileMinFreePercent: settings.fileMinFreePercent,
    fileRetentionDays: settings.fileRetentionDays,
    filePartialExpiryMs: settings.filePartialExpiryHours * 3_600_000,
    fileTransfersPerSession: settings.fileTransfersPerSession,
    fileChunkBytes: fileChunkBytesFor(settings.maxFrameBytes),
    fileSendBudgetBytes: Math.min(config.files.sendBudgetBytes, Math.floor(settings.maxUnsentBytes / 4)),
    ...frameBudget(settings),
    usersPerPage: config.admin.usersPerPage,
    connectionsShown: config.admin.connectionsRowsShown,
    blockedShown: config.admin.blockedShown,
  };
}

/**
 * Every frame counts (issue 11): before login a fixed allowance; after it, as many frames as the
 * session's chat and command buckets allow, plus the refusals flooding tolerates, plus slack for
 * pongs and the odd stray frame. Raising the request rates raises this with them.
 */
function frameBudget(settings: ServerSettings): Pick<ServerLimits, 'preAuthFrames' | 'preAuthBytes' | 'frameBurst' | 'framesPerSecond' | 'rootFrameFactor'> {
  const budgets = config.budgets;
  const refusalsPerSecond = Math.ceil((settings.floodMaxRejections * 1000) / settings.floodWindowMs);
  return {
    preAuthFrames: budgets.preAuthFrames,
    preAuthBytes: budgets.preAuthBytes,
    frameBurst: settings.messageBurst + settings.commandBurst + settings.floodMaxRejections + budgets.frameSlack,
    framesPerSecond: settings.messageRatePerSecond + settings.commandRatePerSecond + refusalsPerSecond + budgets.frameSlackPerSecond,
    rootFrameFactor: budgets.rootFrameFactor,
  };
}

/**
 * The chunk size for a frame limit: config's 32 KiB, or less when frames are smaller, so that a
 * chunk in base64 (4/3 of it) plus its JSON stays within three quarters of the frame.
 */
export function fileChunkBytesFor(maxFrameBytes: number): number {
  const fits = Math.floor((((maxFrameBytes * 3) / 4 - 128) * 3) / 4);
  return Math.max(256, Math.min(config.files.chunkBytes, fits - (fits % 64)));
}
