// `party-pool server` and the menu's Start Server: start, show the status panel, follow the
// live log, and shut down gracefully on SIGINT/SIGTERM or when a root closes the server.
import path from 'node:path';
import { config } from '../../config.js';
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
  passkey: string;
  rootPassword: string;
  replaceSecrets: boolean;
}

/** Run until a signal asks us to stop; resolves with the exit status. */
export async function runServer(options: RunServerOptions): Promise<ExitCodeValue> {
  const tightened = ensurePrivateDir(options.settings.logDir, 'log directory');
  const logger = createLogger({ logDir: options.settings.logDir, console: true });
  for (const notice of tightened) logger.warn('permissions tightened', { detail: notice });
  let server: PartyPoolServer;
  try {
    server = await PartyPoolServer.start({ settings: options.settings, passkey: options.passkey, rootPassword: options.rootPassword, logger, replaceSecrets: options.replaceSecrets });
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
  await new Promise<void>((resolve) => {
    const stop = (signal?: string): void => {
      if (signal) logger.info('signal received', { signal });
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    // A root's close-server ends the run just like a signal does.
    void server.stopped.then(() => stop());
  });
  await server.shutdown();
  await closeLogger(logger);
  return ExitCode.ok;
}
