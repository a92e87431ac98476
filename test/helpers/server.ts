// Start a real server on 127.0.0.1, port 0, with temporary data and log directories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { createLogger } from '../../src/common/logger.js';
import { registerLocally } from '../../src/crypto/opaque.js';
import { resolveServerSettings, serverLimits, type LoginLimits, type ServerSettings } from '../../src/common/settings.js';
import { PartyPoolServer, type ServerOptions } from '../../src/server/server.js';

export const PASSKEY = 'correct-horse-battery';
export const ROOT_PASSWORD = 'root-password-staple';

export interface TestServer {
  server: PartyPoolServer;
  port: number;
  fingerprint: string;
  dataDir: string;
  logDir: string;
  settings: ServerSettings;
  close: () => Promise<void>;
}

/** Poll a condition on real state (not a sleep): resolves once it holds, fails after timeoutMs. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `promise`, or a failure naming `what` once `timeoutMs` has passed: no wait in a test is unbounded. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Test clients still connected, so a server's close() can end the ones a failed test left behind. */
const openClients = new Set<tls.TLSSocket>();

/** Remember a client socket until it closes (raw-client.ts registers every connection). */
export function trackClient(socket: tls.TLSSocket): void {
  openClients.add(socket);
  socket.once('close', () => openClients.delete(socket));
}

/** Wait until every user has left the server (after a test destroyed its clients). */
export function everyoneGone(t: { server: PartyPoolServer }): Promise<void> {
  return waitUntil(() => t.server.onlineNames().length === 0, 5000, 'all users to leave');
}

export function tempDir(prefix = 'party-pool-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The per-session and per-address flood limits (and the daily counts of requests, accounts and
 * rooms owned) at their real defaults. Feature tests send bursts, reconnect, register and create
 * far faster and more often than people do, so startTestServer raises these;
 * the attack tests (test/server/abuse-*.test.ts) pass them back in to test the defaults.
 */
export const DEFAULT_FLOOD_LIMITS: Partial<ServerSettings> = (() => {
  const defaults = resolveServerSettings({}, {});
  return {
    messageRatePerSecond: defaults.messageRatePerSecond,
    messageBurst: defaults.messageBurst,
    commandRatePerSecond: defaults.commandRatePerSecond,
    commandBurst: defaults.commandBurst,
    connectionsPerMinute: defaults.connectionsPerMinute,
    requestsPerUserPerDay: defaults.requestsPerUserPerDay,
    accountsPerAddressPerDay: defaults.accountsPerAddressPerDay,
    maxRoomsOwnedPerUser: defaults.maxRoomsOwnedPerUser,
  };
})();

const RAISED_FLOOD_LIMITS: Partial<ServerSettings> = {
  messageRatePerSecond: 1_000_000,
  messageBurst: 1_000_000,
  commandRatePerSecond: 1_000_000,
  commandBurst: 1_000_000,
  connectionsPerMinute: 1_000_000,
  requestsPerUserPerDay: 1_000_000,
  accountsPerAddressPerDay: 1_000_000,
  maxRoomsOwnedPerUser: 1000,
};

/** The same, as environment variables for a spawned `party-pool server`. */
export const RAISED_FLOOD_ENV: Record<string, string> = {
  PARTY_POOL_MESSAGE_RATE_PER_SECOND: '1000000',
  PARTY_POOL_MESSAGE_BURST: '1000000',
  PARTY_POOL_COMMAND_RATE_PER_SECOND: '1000000',
  PARTY_POOL_COMMAND_BURST: '1000000',
  PARTY_POOL_CONNECTIONS_PER_MINUTE: '1000000',
  PARTY_POOL_REQUESTS_PER_USER_PER_DAY: '1000000',
  PARTY_POOL_ACCOUNTS_PER_ADDRESS_PER_DAY: '1000000',
  PARTY_POOL_MAX_ROOMS_OWNED_PER_USER: '1000',
};

type Injected = Pick<ServerOptions, 'now' | 'timers' | 'limits' | 'diskProbe' | 'metricsPort' | 'configFile' | 'fileHooks'>;

/**
 * Cheap Argon2id for test servers (256 KiB, one pass): a test logs in with passwords hundreds of
 * times. The real default (64 MiB, 3 passes, 4 lanes) is timed in test/crypto/opaque.test.ts.
 */
export const TEST_STRETCHING = { memory: 256, iterations: 1, parallelism: 1 } as const;

/** The login limits of a test server: the defaults with cheap stretching; `overrides` change some. */
export function testLoginLimits(overrides: Partial<LoginLimits> = {}): LoginLimits {
  return { ...serverLimits(resolveServerSettings({}, {})).login, keyStretching: TEST_STRETCHING, ...overrides };
}

/**
 * Start a test server and close it when the test ends, pass or fail (`t.after`): a failed
 * assertion can never leave a server (or its clients) running and hang the run.
 */
export async function serverFor(t: { after: (fn: () => Promise<void>) => void }, overrides: Partial<ServerSettings> = {}, base?: string, inject: Injected = {}): Promise<TestServer> {
  const server = await startTestServer(overrides, base, inject);
  t.after(() => server.close());
  return server;
}

/** Start a test server; whoever calls this closes it in an `after` hook (or use serverFor). */
export async function startTestServer(overrides: Partial<ServerSettings> = {}, base?: string, inject: Injected = {}): Promise<TestServer> {
  const root = base ?? tempDir();
  const settings: ServerSettings = {
    ...resolveServerSettings({}, {}),
    ...RAISED_FLOOD_LIMITS,
    host: '127.0.0.1',
    port: 0,
    dataDir: path.join(root, 'data'),
    logDir: path.join(root, 'logs'),
    publicIpUrl: '',
    ...overrides,
  };
  const logger = createLogger({ logDir: settings.logDir, console: false });
  const server = await PartyPoolServer.start({ settings, passkey: PASSKEY, rootPassword: ROOT_PASSWORD, logger, ...inject, limits: { login: testLoginLimits(), ...inject.limits } });
  let closed = false;
  const port = server.port;
  return {
    server,
    port,
    fingerprint: server.identity.fingerprint,
    dataDir: settings.dataDir,
    logDir: settings.logDir,
    settings,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const socket of openClients) if (socket.remotePort === port) socket.destroy();
      await server.shutdown();
      await new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      });
    },
  };
}

/** Register `name` straight into a running test server's accounts table (an OPAQUE record made here with its setup), skipping every check. */
export async function registerBehindItsBack(t: TestServer, name: string, password: string): Promise<void> {
  const auth: unknown = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'auth.json'), 'utf8'));
  const setup: unknown = Reflect.get(Reflect.get(auth as object, 'opaque') as object, 'serverSetup');
  if (typeof setup !== 'string') throw new Error('auth.json has no OPAQUE setup');
  const accounts = t.server.services.accountData;
  const id = accounts.newCredentialId();
  const record = await registerLocally(setup, id, password, TEST_STRETCHING);
  if (!accounts.create(name, { id, record, stretching: TEST_STRETCHING }, Date.now())) throw new Error(`${name} is registered already`);
}
