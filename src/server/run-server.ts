// `party-pool server` and the menu's Start Server: start, show the status panel, follow the
// live log, reload the config file on SIGHUP, and shut down gracefully on SIGINT/SIGTERM or
// when a root closes the server.
import path from 'node:path';
import { config } from '../../config.js';
import type { ConfigFile, LoadedSettings } from '../common/config-file.js';
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import { closeLogger, createLogger, type Logger } from '../common/logger.js';
import type { ServerSettings } from '../common/settings.js';
import { printLine } from '../cli/output.js';
import { renderStatusPanel } from '../cli/status-panel.js';
import { colorEnabled } from '../cli/style.js';
import { ensurePrivateDir } from '../data-dir/files.js';
import { lookupPublicIPv4, privateIPv4Addresses } from '../common/network-info.js';
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
}

/** Stop requests: SIGINT/SIGTERM, a root's close-server; SIGHUP reloads the settings. */
class SignalWatch {
  readonly requested: Promise<void>;
  private resolve: () => void = () => undefined;
  private readonly onInt = (): void => this.stop('SIGINT');
  private readonly onTerm = (): void => this.stop('SIGTERM');
  private readonly onHup = (): void => this.reload();

  constructor(
    private readonly logger: Logger,
    private readonly options: RunServerOptions,
    private server?: PartyPoolServer,
  ) {
    this.requested = new Promise((resolve) => (this.resolve = resolve));
    process.on('SIGINT', this.onInt);
    process.on('SIGTERM', this.onTerm);
    process.on('SIGHUP', this.onHup);
  }

  /** The server is up: a root's close-server ends the run just like a signal does. */
  started(server: PartyPoolServer): void {
    this.server = server;
    void server.stopped.then(() => this.stop());
  }

  stop(signal?: string): void {
    if (signal) this.logger.info('signal received', { signal });
    process.off('SIGINT', this.onInt);
    process.off('SIGTERM', this.onTerm);
    process.off('SIGHUP', this.onHup);
    this.resolve();
  }

  /** SIGHUP: re-read the config file; a bad file is logged and the running settings are kept. */
  private reload(): void {
    this.logger.info('signal received', { signal: 'SIGHUP' });
    if (!this.options.reloadSettings || !this.server) return;
    try {
      const loaded = this.options.reloadSettings();
      this.server.reload(loaded.settings, loaded.file);
    } catch (error) {
      this.logger.error('settings not reloaded; the running settings stay', { reason: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Run until a signal asks us to stop; resolves with the exit status. */
export async function runServer(options: RunServerOptions): Promise<ExitCodeValue> {
  ensurePrivateDir(options.settings.logDir, 'log directory');
  const logger = createLogger({ logDir: options.settings.logDir, console: true, level: options.settings.logLevel });
  // Signals are handled before anything is printed: a service manager may send SIGTERM as soon as
  // it sees output (or during the start), and an unhandled one would end the server ungracefully.
  const signals = new SignalWatch(logger, options);
  let server: PartyPoolServer;
  try {
    server = await PartyPoolServer.start({
      settings: options.settings,
      passkey: options.passkey,
      rootPassword: options.rootPassword,
      logger,
      replaceSecrets: options.replaceSecrets,
      ...(options.configFile ? { configFile: options.configFile } : {}),
    });
  } catch (error) {
    signals.stop();
    await closeLogger(logger);
    throw error;
  }
  signals.started(server);
  if (options.configFile) logger.info('config file read', { file: options.configFile.file });
  const publicAddress = await lookupPublicIPv4(options.settings.publicIpUrl, config.network.publicIpTimeoutMs);
  const logFile = path.join(options.settings.logDir, 'server.log');
  const privateAddresses = privateIPv4Addresses();
  // The status panel shows the dashboard's link; a live panel can offer dashboard.newLink() for a browser that lost its cookie.
  const dashboard = options.dashboard
    ? await startDashboard(options, server, logger, {
        version: config.version,
        host: options.settings.host,
        port: server.port,
        privateAddresses,
        publicAddress: publicAddress ?? null,
        fingerprint: server.identity.fingerprint,
        maxClients: options.settings.maxClients,
        dataDir: options.settings.dataDir,
        logFile,
      })
    : undefined;
  printLine(
    renderStatusPanel(
      {
        version: config.version,
        host: options.settings.host,
        port: server.port,
        privateAddresses,
        publicAddress,
        fingerprint: server.identity.fingerprint,
        usersOnline: server.userCount,
        maxClients: options.settings.maxClients,
        dataDir: options.settings.dataDir,
        logFile,
        ...(dashboard ? { dashboard: dashboard.url } : {}),
      },
      colorEnabled(),
    ),
  );
  await signals.requested;
  await server.shutdown();
  await dashboard?.close();
  await closeLogger(logger);
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
