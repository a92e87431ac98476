// `party-pool server` and the menu's Start Server: start, show the status panel, follow the
// live log, reload the config file on SIGHUP, and shut down gracefully on SIGINT/SIGTERM or when
// a root closes the server. With --dashboard, the admin dashboard runs beside it. At a
// terminal the panel is a box and a live footer (users online, last events) stays under the
// scrolling log; for a service manager (stdout not a terminal) both are plain lines. A first
// start that fails leaves the data directory as it found it: no secrets, keys or database half-made.
import fs from 'node:fs';
import path from 'node:path';
import TransportStream from 'winston-transport';
import { config } from '../../config.js';
import type { ConfigFile, LoadedSettings } from '../common/config-file.js';
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import { closeLogger, createLogger, type Logger } from '../common/logger.js';
import { lookupPublicIPv4, reachableAddresses } from '../common/network-info.js';
import type { ServerSettings } from '../common/settings.js';
import type { CliIo } from '../cli/io.js';
import { Output } from '../cli/output.js';
import { LiveFooter, liveStatusLines, renderStatusPanel, type PublicAddress, type StatusEvent } from '../cli/status-panel.js';
import { colorFor } from '../cli/style.js';
import { AUTH_FILE } from '../data-dir/auth-keys.js';
import { ensurePrivateDir } from '../data-dir/files.js';
import { CERT_FILE, KEY_FILE, NEXT_KEY_FILE } from '../data-dir/identity.js';
import { DATABASE_FILE } from '../data-dir/store.js';
import type { DashboardHost, DashboardSource } from '../protocol/dashboard.js';
import { DashboardFeed } from './dashboard-feed.js';
import { PartyPoolServer } from './server.js';

/**
 * What the admin dashboard gets from the server it runs in. The dashboard lives in gui/, which
 * this program does not import: main.ts passes a starter that receives this.
 */
export interface DashboardServerSide {
  /** The server's facts and live state, read in-process. */
  source: DashboardSource;
  /** A root login to this server (actions take the audited command path): where, and the secrets. */
  rootLogin: { host: string; port: number; fingerprint: string; passkey: string; rootPassword: string };
  /** The connection this process opened from `address`:`port` is the dashboard's (audited as dashboard#<id>). */
  markConsole: (address: string, port: number) => () => void;
}

/** A running dashboard: its one-time link, and how to stop it. */
export interface DashboardHandle {
  url: string;
  /** A new one-time link (for a browser that lost its cookie); the previous link, if unused, stops working. */
  newLink(): string;
  close(): Promise<void>;
}

export type DashboardStarter = (side: DashboardServerSide) => Promise<DashboardHandle>;

export interface RunServerOptions {
  settings: ServerSettings;
  /** The config file the settings came from, if any. */
  configFile?: ConfigFile | undefined;
  /** Read the settings again (flags and environment as at start, the config file afresh): SIGHUP. */
  reloadSettings?: () => LoadedSettings;
  passkey: string;
  rootPassword: string;
  replaceSecrets: boolean;
  /** `--dashboard`: start the admin dashboard once the server listens. */
  dashboard?: DashboardStarter | undefined;
  /** More status panel rows (a feature's own address, e.g. a dashboard). */
  extraPanelRows?: readonly (readonly [string, string])[];
}

/** What a start may create in the data directory: removed again (or restored) when the start fails. */
const STARTUP_FILES = [AUTH_FILE, KEY_FILE, CERT_FILE, NEXT_KEY_FILE, DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, 'files'];

/** Remember what the data directory holds before a start; `undo()` puts it back the way it was. */
function snapshotDataDir(dataDir: string): { undo: () => void } {
  const existed = fs.existsSync(dataDir);
  const before = new Map(STARTUP_FILES.map((name) => [name, fs.existsSync(path.join(dataDir, name))]));
  // --replace-secrets rewrites auth.json: a failed start must not have changed the secrets.
  let authText: Buffer | undefined;
  try {
    authText = fs.readFileSync(path.join(dataDir, AUTH_FILE));
  } catch {
    authText = undefined;
  }
  return {
    undo: () => {
      try {
        for (const [name, was] of before) if (!was) fs.rmSync(path.join(dataDir, name), { force: true, recursive: true });
        if (authText !== undefined) fs.writeFileSync(path.join(dataDir, AUTH_FILE), authText, { mode: 0o600 });
        if (!existed && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length === 0) fs.rmdirSync(dataDir);
      } catch {
        // Best effort: the start's own error is what the admin needs to read.
      }
    },
  };
}

/** This server's internet address: typed by the admin, else asked of the service the admin named, else unknown. */
async function publicAddressOf(settings: ServerSettings): Promise<PublicAddress> {
  if (settings.publicAddress.trim() !== '') return { kind: 'typed', address: settings.publicAddress.trim() };
  if (!settings.publicIpUrl) return { kind: 'off' };
  let service = settings.publicIpUrl;
  try {
    service = new URL(settings.publicIpUrl).host || service;
  } catch {
    // Not a URL: the look-up below fails and says so with the text as given.
  }
  const found = await lookupPublicIPv4(settings.publicIpUrl, config.network.publicIpTimeoutMs);
  return found ? { kind: 'looked-up', address: found, service } : { kind: 'lookup-failed', service };
}

const EVENTS_SHOWN = 3;

/** What the footer says about a logged event, if it is one people care about. */
function eventText(info: Record<string, unknown>): string | undefined {
  const text = (key: string): string => (typeof info[key] === 'string' ? String(info[key]) : '?');
  switch (info.message) {
    case 'login':
      return info.role === 'root' ? `${text('user')} (root) logged in` : `${text('user')} joined`;
    case 'disconnect':
      return typeof info.user === 'string' ? `${info.user} left` : undefined;
    case 'login failed':
      return `failed login from ${text('address')}`;
    case 'address blocked':
      return `${text('address')} blocked for ${text('for')}`;
    case 'banned':
      return `${text('user')} banned`;
    case 'kicked':
      return `${text('user')} removed`;
    case 'shutdown scheduled':
      return 'shutdown scheduled';
    case 'shutdown cancelled':
      return 'shutdown cancelled';
    default:
      return undefined;
  }
}

/** A log transport that turns the events people care about into the live footer's "last events". */
class StatusFeed extends TransportStream {
  readonly events: StatusEvent[] = [];

  constructor(private readonly changed: () => void) {
    super({ level: 'info' });
  }

  override log(info: Record<string, unknown>, done: () => void): void {
    const text = eventText(info);
    if (text !== undefined) {
      this.events.unshift({ time: new Date().toTimeString().slice(0, 8), text });
      this.events.length = Math.min(this.events.length, EVENTS_SHOWN);
      // The roster changes in the same turn as the log line: read it once that turn is over.
      setImmediate(this.changed);
    }
    done();
  }
}

/** Start, show the panel, and run until a signal or a root asks us to stop; resolves with the exit status. */
export async function runServer(io: CliIo, options: RunServerOptions): Promise<ExitCodeValue> {
  const { settings } = options;
  const color = colorFor(io);
  const terminal = io.stdout.isTTY === true;
  const footer = terminal ? new LiveFooter(io.stdout, color) : undefined;
  const out = new Output(io);
  const tightened = ensurePrivateDir(settings.logDir, 'log directory');
  const logger: Logger = createLogger({ logDir: settings.logDir, console: true, level: settings.logLevel, consoleWrite: (line) => (footer ? footer.log(line) : out.line(line)) });
  for (const notice of tightened) logger.warn('permissions tightened', { detail: notice });
  // From here on Ctrl-C (or SIGTERM) means "stop", even while the keys are still being derived.
  let requestStop: (signal?: string) => void = () => undefined;
  let stopSignal: string | undefined;
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = (signal) => {
      stopSignal ??= signal;
      resolve();
    };
  });
  // SIGHUP: re-read the config file once the server runs; a bad file is logged and the running settings stay.
  const current: { server?: PartyPoolServer } = {};
  const onHup = (): void => {
    logger.info('signal received', { signal: 'SIGHUP' });
    const running = current.server;
    if (!options.reloadSettings || !running) return;
    try {
      const loaded = options.reloadSettings();
      running.reload(loaded.settings, loaded.file);
    } catch (error) {
      logger.error('settings not reloaded; the running settings stay', { reason: error instanceof Error ? error.message : String(error) });
    }
  };
  const onInt = (): void => requestStop('SIGINT');
  const onTerm = (): void => requestStop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  const snapshot = snapshotDataDir(settings.dataDir);
  let server: PartyPoolServer;
  try {
    server = await PartyPoolServer.start({ settings, passkey: options.passkey, rootPassword: options.rootPassword, logger, replaceSecrets: options.replaceSecrets, ...(options.configFile ? { configFile: options.configFile } : {}) });
  } catch (error) {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    await closeLogger(logger);
    snapshot.undo();
    throw error;
  }
  current.server = server;
  if (options.configFile) logger.info('config file read', { file: options.configFile.file });
  const reach = reachableAddresses(settings.host);
  const publicAddress = await publicAddressOf(settings);
  const logFile = path.join(settings.logDir, 'server.log');
  // The dashboard beside the server: its address in the panel, its one-time link on a line of its own.
  const dashboard = options.dashboard
    ? await startDashboard(options, server, logger, {
        version: config.version,
        host: settings.host,
        port: server.port,
        privateAddresses: reach.addresses
          .filter((a) => a.scope !== 'loopback' && !a.address.includes(':'))
          .map((a) => ({ interface: a.interface ?? '', address: a.address, mac: a.mac ?? '' })),
        publicAddress: publicAddress.kind === 'typed' || publicAddress.kind === 'looked-up' ? publicAddress.address : null,
        fingerprint: server.identity.fingerprint,
        maxClients: settings.maxClients,
        dataDir: settings.dataDir,
        logFile,
      })
    : undefined;
  const extraRows = [...(options.extraPanelRows ?? []), ...(dashboard ? [['Dashboard', `${new URL(dashboard.url).origin}/ (in your browser)`] as const] : [])];
  const panel = renderStatusPanel(
    {
      version: config.version,
      host: settings.host,
      port: server.port,
      loopbackOnly: reach.loopbackOnly,
      addresses: reach.addresses,
      publicAddress,
      fingerprint: server.identity.fingerprint,
      maxClients: settings.maxClients,
      dataDir: settings.dataDir,
      logFile,
      ...(extraRows.length > 0 ? { extraRows } : {}),
    },
    { color, boxed: terminal },
  );
  // The link on a line of its own: a box would wrap it, and it must stay one piece to be copied.
  const withLink = dashboard ? `${panel}\nDashboard link (works once, in one browser): ${dashboard.url}` : panel;
  if (footer) footer.log(withLink);
  else out.line(withLink);
  const live = server;
  const feed = new StatusFeed(() => footer?.update(liveStatusLines({ usersOnline: live.userCount, maxClients: settings.maxClients, names: live.onlineNames(), events: feed.events })));
  if (footer) {
    logger.add(feed);
    footer.update(liveStatusLines({ usersOnline: server.userCount, maxClients: settings.maxClients, names: [], events: [] }));
  }
  // A root's close-server ends the run just like a signal does.
  void server.stopped.then(() => requestStop());
  await stopRequested;
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  process.off('SIGHUP', onHup);
  if (stopSignal) logger.info('signal received', { signal: stopSignal });
  await server.shutdown();
  await dashboard?.close();
  await closeLogger(logger);
  footer?.close();
  return ExitCode.ok;
}

/**
 * What a dashboard beside `server` gets: the in-process feed (which taps the log until closed)
 * and a root login to this server whose connection is named dashboard#<id>.
 */
export function dashboardServerSide(server: PartyPoolServer, host: DashboardHost, secrets: { passkey: string; rootPassword: string }, logger: Logger): { side: DashboardServerSide; feed: DashboardFeed } {
  const feed = new DashboardFeed(host, server.services, logger, Date.now);
  // A server on every interface is reached from here over loopback.
  const loginHost = host.host === '0.0.0.0' ? '127.0.0.1' : host.host === '::' ? '::1' : host.host;
  return {
    feed,
    side: {
      source: feed,
      rootLogin: { host: loginHost, port: server.port, fingerprint: server.identity.fingerprint, ...secrets },
      markConsole: (address, port) => server.services.consoles.register(address, port, 'dashboard'),
    },
  };
}

/** Start the dashboard beside the server; a failure is logged and the server runs on without it. */
async function startDashboard(options: RunServerOptions, server: PartyPoolServer, logger: Logger, host: DashboardHost): Promise<DashboardHandle | undefined> {
  const start = options.dashboard;
  if (!start) return undefined;
  const { side, feed } = dashboardServerSide(server, host, { passkey: options.passkey, rootPassword: options.rootPassword }, logger);
  try {
    const handle = await start(side);
    return {
      url: handle.url,
      newLink: () => handle.newLink(),
      close: async () => {
        await handle.close();
        feed.close();
      },
    };
  } catch (error) {
    feed.close();
    logger.error('dashboard failed to start', { reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}
