// `party-pool client --gui`: the chat in the browser already on this computer. This process
// keeps the pinned connection (TLS 1.3 to a pinned key, passkey proof, reconnects) and serves
// the app on 127.0.0.1; the browser only ever talks to this process. Runs until the page's
// "Leave" (or /exit) or Ctrl-C.
import { PartyPoolError, type ExitCodeValue } from '../common/errors.js';
import type { CliIo } from '../cli/io.js';
import { embeddedAssets } from './assets.js';
import { ChatBridge, type BridgeOptions } from './bridge.js';
import { LocalWebServer, type LocalServerLimits } from './local-server.js';
import { parsePageMessage, type BridgeEvent, type PageMessage } from './protocol.js';
import { runInBrowser } from './run-in-browser.js';
import type { DirectOptions } from '../link/direct-chat.js';
import { defaultDownloadsDir } from '../link/local-files.js';
import { Profile, type ProfileLocation } from '../link/profile.js';

export interface GuiOptions {
  connect: BridgeOptions['connect'];
  passkey?: string | undefined;
  name?: string | undefined;
  account?: BridgeOptions['account'];
  /** This device's profile folder for direct messages (--profile-dir, PARTY_POOL_PROFILE_DIR or the OS default). */
  profile?: ProfileLocation | undefined;
  /** Where downloads go (default: the Downloads folder, as in the terminal). */
  downloadsDir?: string | undefined;
  /** Where uploads from the page wait while sent (default: the system's temporary folder). */
  uploadDir?: string | undefined;
  /** The largest file the page may upload. */
  maxUploadBytes?: number | undefined;
  /** Injected for tests. */
  reconnectInitialDelayMs?: number;
  limits?: Partial<LocalServerLimits>;
  now?: () => number;
}

/**
 * Open the profile as the terminal does: one chosen on purpose must work (its error ends the
 * program with one sentence); the OS default failing only turns direct messages off, said in the chat.
 */
function openProfile(location: ProfileLocation | undefined, notices: string[]): DirectOptions | undefined {
  if (!location) return undefined;
  try {
    return { profile: Profile.open(location.dir, { notice: (text) => notices.push(text) }) };
  } catch (error) {
    if (!(error instanceof PartyPoolError) || location.source !== 'default') throw error;
    notices.push(`${error.message} Direct messages are off (choose a profile folder with --profile-dir).`);
    return undefined;
  }
}

/** A running app: the local web server and the bridge behind it. */
export interface GuiApp {
  /** The one-time link that logs the browser in. */
  url: string;
  server: LocalWebServer<PageMessage, BridgeEvent>;
  bridge: ChatBridge;
  /** Resolves when the page asked to leave. */
  left: Promise<void>;
  /** Log out (if logged in) and stop serving. */
  close(message?: string): Promise<void>;
}

/** Start the local web server and the bridge (no printing, no browser): tests use this directly. */
export async function startGui(options: GuiOptions): Promise<GuiApp> {
  let signalLeft: () => void = () => undefined;
  const left = new Promise<void>((resolve) => (signalLeft = resolve));
  const notices: string[] = [];
  const direct = openProfile(options.profile, notices);
  const bridge = new ChatBridge({
    direct,
    notices,
    downloadsDir: options.downloadsDir ?? defaultDownloadsDir({ env: process.env }),
    uploadDir: options.uploadDir,
    maxUploadBytes: options.maxUploadBytes,
    connect: options.connect,
    passkey: options.passkey,
    name: options.name,
    account: options.account,
    onLeave: () => signalLeft(),
    ...(options.reconnectInitialDelayMs === undefined ? {} : { reconnectInitialDelayMs: options.reconnectInitialDelayMs }),
  });
  const server = await LocalWebServer.start({
    assets: embeddedAssets(),
    parse: parsePageMessage,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
    handlers: {
      open: (page) => bridge.attach(page),
      message: (page, message) => bridge.handle(page, message),
      close: (page) => bridge.detach(page),
      binary: (page, data) => bridge.binary(page, data),
    },
  });
  let closed = false;
  return {
    url: server.launchUrl,
    server,
    bridge,
    left,
    close: async (message) => {
      if (closed) return;
      closed = true;
      bridge.leave(message);
      await server.close();
    },
  };
}

export interface GuiRunOptions extends GuiOptions {
  json: boolean;
  /** Open the default browser (false with --no-open). */
  open: boolean;
}

/** Run the app until Leave (exit 0) or Ctrl-C (130). */
export async function runGui(io: CliIo, options: GuiRunOptions): Promise<ExitCodeValue> {
  const app = await startGui({ ...options, downloadsDir: options.downloadsDir ?? defaultDownloadsDir({ env: io.env }) });
  return runInBrowser(io, app, options, {
    opened: 'Party Pool is open in your browser',
    keeps: 'This window keeps the chat running: closing it (or Ctrl-C) ends the chat. The link works once.',
    closed: 'Party Pool was closed on this computer. You can close this tab.',
  });
}
