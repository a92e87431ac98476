// Prometheus metrics (prom-client), loaded only when --metrics-port is given. The endpoint's own
// abuse story: it listens on 127.0.0.1 only (never a setting), answers GET/HEAD /metrics and
// nothing else, refuses a Host that is not loopback (a web page using DNS rebinding cannot read
// it), takes no body, caps connections, header size and request time, and renders at most once a
// second however often it is asked. Labels are bounded sets (roles, results, error codes, file
// kinds): no name, room or address ever becomes a label.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { config } from '../../config.js';
import { PartyPoolError, type ErrorCode } from '../common/errors.js';
import type { ServerMetrics } from './metrics.js';
import type { Session } from './session/session.js';

/** Error codes that end or answer a login attempt: sent before login, they are its result. */
const LOGIN_RESULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_FAILED',
  'ROOT_AUTH_FAILED',
  'AUTH_TIMEOUT',
  'PROTOCOL_VERSION',
  'SERVER_FULL',
  'TOO_MANY_FROM_ADDRESS',
  'NAME_INVALID',
  'NAME_RESERVED',
  'NAME_TAKEN',
  'NAME_REGISTERED',
  'SERVER_SHUTTING_DOWN',
  'BANNED',
  'LOCKDOWN',
  'PACKAGE_REVOKED',
  'PASSWORD_REQUIRED',
  'PASSWORD_WRONG',
  'PASSWORD_INVALID',
  'REGISTRATION_REQUIRED',
  'STORAGE_FAILED',
]);

/** What the endpoint reads when it is scraped (the server's live state; nothing is copied). */
export interface MetricsSources {
  /** Logged-in sessions by role. */
  sessions(): { users: number; roots: number };
  /** Open connections and those not logged in yet. */
  connections(): { open: number; unauthenticated: number };
  /** Connections closed before the TLS handshake, by reason, since start. */
  refusedBeforeTls(): { rate: number; unauthenticated: number };
  bans(): number;
  storageFailures(): number;
  dataDir: string;
  logDir: string;
  databaseFile: string;
}

export interface MetricsEndpointOptions {
  port: number;
  /** Tests only; the server always uses 127.0.0.1 (config.metrics.host). */
  host?: string;
}

/** A directory's total size, walking at most `maxEntries` entries (a huge tree is measured in part, never stalls the server long). */
function directoryBytes(dir: string, maxEntries: number): number {
  let total = 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0 && seen < maxEntries) {
    const current = pending.pop() ?? dir;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (++seen > maxEntries) break;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile()) total += statSize(full);
    }
  }
  return total;
}

function statSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The server's metrics in a prom-client registry, and the HTTP endpoint that serves them. */
export class PrometheusMetrics implements ServerMetrics {
  readonly enabled = true;
  readonly registry = new Registry();
  private readonly logins: Counter<'result'>;
  private readonly refusals: Counter<'reason'>;
  private readonly relayedLines: Counter;
  private readonly deliveries: Counter;
  private readonly commitSeconds: Histogram;
  private readonly fanout: Histogram;
  private sources: MetricsSources | undefined;
  private isLoggedIn: (session: Session) => boolean = () => false;
  private server: http.Server | undefined;
  private rendered: { at: number; text: Promise<string> } | undefined;
  private storage: { at: number; dataDir: number; logs: number } | undefined;

  constructor() {
    const registers = [this.registry];
    this.logins = new Counter({ name: 'party_pool_logins_total', help: 'Login attempts by result: ok, or the error code that refused them.', labelNames: ['result'], registers });
    this.refusals = new Counter({ name: 'party_pool_refusals_total', help: 'Errors sent to connections (refused logins, rate limits, refused commands), by error code.', labelNames: ['reason'], registers });
    this.relayedLines = new Counter({ name: 'party_pool_messages_relayed_total', help: 'Chat lines stored and fanned out.', registers });
    this.deliveries = new Counter({ name: 'party_pool_deliveries_total', help: 'Chat lines handed to a recipient session (one line to ten people is ten).', registers });
    this.commitSeconds = new Histogram({
      name: 'party_pool_commit_seconds',
      help: 'Time to store one batch of chat lines (one transaction) and fan them out.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.fanout = new Histogram({ name: 'party_pool_fanout_recipients', help: 'Sessions each chat line went to.', buckets: [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000], registers });
    const sessionsGauge: Gauge<string> = new Gauge({
      name: 'party_pool_sessions',
      help: 'Logged-in sessions by role.',
      labelNames: ['role'],
      registers,
      collect: () => {
        const now = this.sources?.sessions() ?? { users: 0, roots: 0 };
        sessionsGauge.set({ role: 'user' }, now.users);
        sessionsGauge.set({ role: 'root' }, now.roots);
      },
    });
    const connectionsGauge: Gauge<string> = new Gauge({
      name: 'party_pool_connections',
      help: 'Open connections, and those not logged in yet.',
      labelNames: ['state'],
      registers,
      collect: () => {
        const now = this.sources?.connections() ?? { open: 0, unauthenticated: 0 };
        connectionsGauge.set({ state: 'open' }, now.open);
        connectionsGauge.set({ state: 'unauthenticated' }, now.unauthenticated);
      },
    });
    const refusedBeforeTlsGauge: Gauge<string> = new Gauge({
      name: 'party_pool_connections_refused_before_tls',
      help: 'Connections closed before the TLS handshake since start, by reason (a counter that restarts with the server).',
      labelNames: ['reason'],
      registers,
      collect: () => {
        const refused = this.sources?.refusedBeforeTls() ?? { rate: 0, unauthenticated: 0 };
        refusedBeforeTlsGauge.set({ reason: 'rate' }, refused.rate);
        refusedBeforeTlsGauge.set({ reason: 'unauthenticated_cap' }, refused.unauthenticated);
      },
    });
    const bansGauge: Gauge<string> = new Gauge({
      name: 'party_pool_bans',
      help: 'Bans in force (names and addresses).',
      registers,
      collect: () => {
        bansGauge.set(this.sources?.bans() ?? 0);
      },
    });
    const storageFailuresGauge: Gauge<string> = new Gauge({
      name: 'party_pool_storage_failures',
      help: 'Failed writes (database, logs, statistics) since start.',
      registers,
      collect: () => {
        storageFailuresGauge.set(this.sources?.storageFailures() ?? 0);
      },
    });
    const storageBytesGauge: Gauge<string> = new Gauge({
      name: 'party_pool_storage_bytes',
      help: 'Bytes on disk: the database, its write-ahead log, the whole data directory, the log directory.',
      labelNames: ['what'],
      registers,
      collect: () => {
        const sources = this.sources;
        if (!sources) return;
        const scanned = this.scanStorage(sources);
        storageBytesGauge.set({ what: 'database' }, statSize(sources.databaseFile));
        storageBytesGauge.set({ what: 'wal' }, statSize(`${sources.databaseFile}-wal`));
        storageBytesGauge.set({ what: 'data_dir' }, scanned.dataDir);
        storageBytesGauge.set({ what: 'logs' }, scanned.logs);
      },
    });
    new Gauge({ name: 'party_pool_info', help: 'The server version (always 1).', labelNames: ['version'], registers }).set({ version: config.version }, 1);
    // Process figures: memory, CPU, open files, and the event loop's lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
  }

  now(): number {
    return performance.now();
  }

  loggedIn(): void {
    this.logins.inc({ result: 'ok' });
  }

  errorSent(session: Session | undefined, code: ErrorCode): void {
    this.refusals.inc({ reason: code });
    if (LOGIN_RESULTS.has(code) && (session === undefined || !this.isLoggedIn(session))) this.logins.inc({ result: code });
  }

  committed(startedAt: number, _lines: number): void {
    this.commitSeconds.observe((performance.now() - startedAt) / 1000);
  }

  relayed(recipients: number): void {
    this.relayedLines.inc();
    this.deliveries.inc(recipients);
    this.fanout.observe(recipients);
  }

  /** The data and log directories' sizes, measured at most once a minute. */
  private scanStorage(sources: MetricsSources): { dataDir: number; logs: number } {
    const now = Date.now();
    if (!this.storage || now - this.storage.at >= config.metrics.storageScanIntervalMs) {
      const max = config.metrics.storageScanMaxEntries;
      this.storage = { at: now, dataDir: directoryBytes(sources.dataDir, max), logs: directoryBytes(sources.logDir, max) };
    }
    return this.storage;
  }

  /** The exposition text, rendered at most once per interval. */
  render(): Promise<string> {
    const now = Date.now();
    if (!this.rendered || now - this.rendered.at >= config.metrics.renderIntervalMs) this.rendered = { at: now, text: this.registry.metrics() };
    return this.rendered.text;
  }

  /** Start answering scrapes; resolves with the port once listening. */
  async serve(sources: MetricsSources, isLoggedIn: (session: Session) => boolean, options: MetricsEndpointOptions): Promise<number> {
    this.sources = sources;
    this.isLoggedIn = isLoggedIn;
    const host = options.host ?? config.metrics.host;
    const server = http.createServer(
      {
        maxHeaderSize: config.metrics.maxHeaderBytes,
        requestTimeout: config.metrics.requestTimeoutMs,
        headersTimeout: config.metrics.requestTimeoutMs,
        keepAliveTimeout: config.metrics.requestTimeoutMs,
      },
      (request, response) => this.answer(request, response),
    );
    server.maxConnections = config.metrics.maxConnections;
    server.maxRequestsPerSocket = 100;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? 'something else is already using that port' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new PartyPoolError('LISTEN_FAILED', `Cannot serve metrics on ${host}:${options.port}: ${why}. Choose another --metrics-port.`, { cause: error }));
      });
      server.listen(options.port, host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    server.on('error', () => undefined);
    // A malformed or oversized request: a short status line, then the connection is closed.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
      else socket.destroy();
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : options.port;
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    const reply = (status: number, text: string, extra: Record<string, string> = {}): void => {
      response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', ...extra });
      response.end(request.method === 'HEAD' ? undefined : text + '\n');
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'Only GET /metrics is served here.', { allow: 'GET, HEAD', connection: 'close' });
    // A request with a body is not a scrape; do not read it.
    if (request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0) return reply(413, 'No request body is accepted.', { connection: 'close' });
    if (!loopbackHost(request.headers.host)) return reply(403, 'Only loopback Host names are served.', { connection: 'close' });
    const pathname = (request.url ?? '').split('?')[0];
    if (pathname !== '/metrics') return reply(404, 'Not found: the metrics are at /metrics.');
    this.render().then(
      (text) => {
        response.writeHead(200, { ...headers, 'content-type': this.registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => reply(500, 'The metrics could not be collected.'),
    );
  }

  /** Stop serving; resolves once the listening socket and every connection are closed. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A Host header naming this machine's loopback (any port), or none at all (HTTP/1.0). */
function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}
