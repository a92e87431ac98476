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
import { PartyPoolServer } from './server.js';

export interface RunServerOptions {
  settings: ServerSettings;
  /** The config file the settings came from, if any. */
  configFile?: ConfigFile | undefined;
  /** Read the settings again (flags and environment as at start, the config file afresh): SIGHUP. */
  reloadSettings?: () => LoadedSettings;
  passkey: string;
  rootPassword: string;
  replaceSecrets: boolean;
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
  printLine(
    renderStatusPanel(
      {
        version: config.version,
        host: options.settings.host,
        port: server.port,
        privateAddresses: privateIPv4Addresses(),
        publicAddress,
        fingerprint: server.identity.fingerprint,
        usersOnline: server.userCount,
        maxClients: options.settings.maxClients,
        dataDir: options.settings.dataDir,
        logFile: path.join(options.settings.logDir, 'server.log'),
      },
      colorEnabled(),
    ),
  );
  await signals.requested;
  await server.shutdown();
  await closeLogger(logger);
  return ExitCode.ok;
}
