// The admin pages in the browser: the root console (`party-pool root --gui`, root packages on a
// desktop) and the server's dashboard (`party-pool server --dashboard`). Same local web server
// and protections as the chat app (local-server.ts); the bridge is a root session
// (root-bridge.ts), so every action is a root command, checked and audited by the server.
import type { TLSSocket } from 'node:tls';
import type { ExitCodeValue } from '../common/errors.js';
import type { CliIo } from '../cli/io.js';
import type { DashboardSource } from '../protocol/dashboard.js';
import { embeddedAdminAssets } from './assets.js';
import { parseAdminMessage, type AdminEvent, type AdminMessage } from './admin-protocol.js';
import { LocalWebServer, type LocalServerLimits } from './local-server.js';
import { offerInBrowser, runInBrowser } from './run-in-browser.js';
import { RootBridge, type RootBridgeOptions } from './root-bridge.js';

/** A running admin page server: its one-time link, the bridge, and how to stop it. */
export interface AdminApp {
  url: string;
  server: LocalWebServer<AdminMessage, AdminEvent>;
  bridge: RootBridge;
  /** Resolves when the console's page asked to leave. */
  left: Promise<void>;
  close(message?: string): Promise<void>;
}

export interface AdminOptions extends Omit<RootBridgeOptions, 'onLeave'> {
  limits?: Partial<LocalServerLimits>;
  now?: () => number;
}

/** Start the local web server and the root bridge (no printing, no browser): tests use this directly. */
export async function startAdmin(options: AdminOptions): Promise<AdminApp> {
  let signalLeft: () => void = () => undefined;
  const left = new Promise<void>((resolve) => (signalLeft = resolve));
  const { limits, now, ...bridgeOptions } = options;
  const bridge = new RootBridge({ ...bridgeOptions, onLeave: () => signalLeft() });
  const server = await LocalWebServer.start<AdminMessage, AdminEvent>({
    assets: embeddedAdminAssets(),
    parse: parseAdminMessage,
    ...(limits ? { limits } : {}),
    ...(now ? { now } : {}),
    handlers: {
      open: (page) => bridge.attach(page),
      message: (page, message) => bridge.handle(page, message),
      close: (page) => bridge.detach(page),
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
      bridge.close(message ?? 'Party Pool was closed on this computer. You can close this tab.');
      await server.close();
    },
  };
}

/** What `party-pool server --dashboard` hands the dashboard (run-server.ts's DashboardServerSide). */
export interface DashboardSide {
  source: DashboardSource;
  rootLogin: { host: string; port: number; fingerprint: string; passkey: string; rootPassword: string };
  markConsole: (address: string, port: number) => () => void;
}

export interface DashboardOptions {
  io: CliIo;
  /** Open the default browser (false with --no-open). */
  open: boolean;
  /** Injected for tests. */
  pollMs?: number;
  limits?: Partial<LocalServerLimits>;
}

/** The dashboard beside a running server: logged in as root over loopback, audited as dashboard#<id>. */
export async function startDashboard(side: DashboardSide, options: DashboardOptions): Promise<{ url: string; app: AdminApp; newLink: () => string; close: () => Promise<void> }> {
  const { host, port, fingerprint, passkey, rootPassword } = side.rootLogin;
  const app = await startAdmin({
    mode: 'dashboard',
    connect: (key) => Promise.resolve({ pin: { targets: [{ host, port }], fingerprints: [fingerprint] }, credentials: { passkey: key } }),
    passkey,
    rootPassword,
    source: side.source,
    onConnected: (socket: TLSSocket) => {
      if (socket.localAddress === undefined || socket.localPort === undefined) return;
      const forget = side.markConsole(socket.localAddress, socket.localPort);
      socket.once('close', forget);
    },
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  app.bridge.start();
  offerInBrowser(options.io, app.url, options.open, 'the dashboard link above');
  return {
    url: app.url,
    app,
    newLink: () => app.server.renewLaunchUrl(),
    close: () => app.close('The server stopped; the dashboard closed with it. You can close this tab.'),
  };
}

export interface RootGuiOptions extends Omit<AdminOptions, 'mode' | 'source'> {
  json: boolean;
  open: boolean;
}

/** `party-pool root --gui`: run the root console in the browser until Leave (exit 0) or Ctrl-C (130). */
export async function runRootGui(io: CliIo, options: RootGuiOptions): Promise<ExitCodeValue> {
  const { json, open, ...adminOptions } = options;
  const app = await startAdmin({ ...adminOptions, mode: 'console' });
  return runInBrowser(io, app, { json, open }, {
    opened: 'The Party Pool root console is open in your browser',
    keeps: 'This window keeps the root session running: closing it (or Ctrl-C) ends it. The link works once.',
    closed: 'The root console was closed on this computer. You can close this tab.',
  });
}
