// `party-pool server` and the menu's Start Server: start, show the status panel, follow the
// live log, reload the config file on SIGHUP, and shut down gracefully on SIGINT/SIGTERM or
// when a root closes the server.
import path from 'node:path';
import { config } from '../../config.js';
import type { ConfigFile, LoadedSettings } from '../common/config-file.js';
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import { closeLogger, createLogger } from '../common/logger.js';
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

/** Run until a signal asks us to stop; resolves with the exit status. */
export async function runServer(options: RunServerOptions): Promise<ExitCodeValue> {
  ensurePrivateDir(options.settings.logDir, 'log directory');
  const logger = createLogger({ logDir: options.settings.logDir, console: true, level: options.settings.logLevel });
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
    await closeLogger(logger);
    throw error;
  }
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
  if (options.configFile) logger.info('config file read', { file: options.configFile.file });
  await new Promise<void>((resolve) => {
    const stop = (signal?: string): void => {
      if (signal) logger.info('signal received', { signal });
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    // SIGHUP: re-read the config file; a bad file is logged and the running settings are kept.
    const onHup = (): void => {
      logger.info('signal received', { signal: 'SIGHUP' });
      if (!options.reloadSettings) return;
      try {
        const loaded = options.reloadSettings();
        server.reload(loaded.settings, loaded.file);
      } catch (error) {
        logger.error('settings not reloaded; the running settings stay', { reason: error instanceof Error ? error.message : String(error) });
      }
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    // A root's close-server ends the run just like a signal does.
    void server.stopped.then(() => stop());
  });
  await server.shutdown();
  await closeLogger(logger);
  return ExitCode.ok;
}
