// The TLS 1.3 listener: the pre-TLS checks on a bare TCP connection (bans and blocks, rate per
// address, the pre-login slots), the ban check again right after the handshake (a banned
// address hears why a few times a minute), sessions for the
// rest, and one heartbeat for all of them (a ping each interval; silence past the timeout
// ends a session).
import net from 'node:net';
import tls from 'node:tls';
import type { ErrorCode } from '../common/errors.js';
import { PartyPoolError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { hostProblem, listenFailureText } from '../common/network-info.js';
import type { ServerLimits, ServerSettings } from '../common/settings.js';
import type { ServerIdentity } from '../data-dir/identity.js';
import { encodeFrame } from '../protocol/frame.js';
import { rateKey, type ConnectionGuard } from './abuse/connection-guard.js';
import type { LogThrottle } from './abuse/log-throttle.js';
import type { LoginBlocks } from './abuse/login-blocks.js';
import type { Clock } from './clock.js';
import { formatDuration } from './moderation/durations.js';
import type { Moderation } from './moderation/moderation.js';
import type { Roster } from './roster.js';
import { Session, type SessionHandlers } from './session/session.js';

/** 1, 2, 3, ...: session ids for a listener without a store (tests). */
function counter(): () => number {
  let next = 1;
  return () => next++;
}

/** Strip the IPv4-mapped prefix so one household is one address, however it arrived. */
export function unmapIPv4(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

type ListenerSettings = Pick<ServerSettings, 'host' | 'port' | 'tlsHandshakeTimeoutMs' | 'connectionsPerMinute' | 'maxUnauthenticated' | 'maxUnauthenticatedPerAddress'>;
type ListenerLimits = Pick<
  ServerLimits,
  'maxFrameBytes' | 'maxOutboundFrameBytes' | 'maxUnsentBytes' | 'maxInvalidFrames' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'preAuthFrames' | 'preAuthBytes' | 'frameBurst' | 'framesPerSecond' | 'rootFrameFactor'
>;

export class Listener {
  /** Every connection past the TLS handshake, logged in or not. */
  readonly connections = new Set<Session>();
  private readonly server: tls.Server;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Shared by every session: the server's handlers, and the connection forgotten at its end. */
  private readonly handlers: SessionHandlers;
  private readonly now: () => number;
  private closing = false;

  constructor(
    identity: ServerIdentity,
    private readonly settings: ListenerSettings,
    private readonly limits: ListenerLimits,
    private readonly guard: ConnectionGuard,
    private readonly moderation: Moderation,
    private readonly loginBlocks: LoginBlocks,
    private readonly roster: Roster,
    /** One log line per minute per kind of stranger trouble (refused connections, failed handshakes). */
    private readonly logThrottle: LogThrottle,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** What happens on each new session, with its messages and at its end; errorSent also hears connections refused before a session exists. */
    private readonly sessions: Omit<SessionHandlers, 'errorSent'> & { opened(session: Session): void; errorSent?(session: Session | undefined, code: ErrorCode): void },
    /** Session ids: unique across restarts (session-ids.ts) in the server; a plain count by default. */
    private readonly nextSessionId: () => number = counter(),
  ) {
    this.now = () => clock.now();
    this.handlers = {
      message: (session, message) => sessions.message(session, message),
      crashed: (session, error) => sessions.crashed(session, error),
      closed: (session, reason) => {
        this.connections.delete(session);
        sessions.closed(session, reason);
      },
      ...(sessions.errorSent ? { errorSent: (session: Session, code: ErrorCode) => sessions.errorSent?.(session, code) } : {}),
    };
    this.server = tls.createServer({
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      handshakeTimeout: settings.tlsHandshakeTimeoutMs,
    });
    // Before the TLS server's own listener wraps the socket: a refused connection costs no handshake.
    this.server.prependListener('connection', (socket: net.Socket) => this.onRawConnection(socket));
    this.server.on('secureConnection', (socket) => this.onConnection(socket));
    this.server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      socket.destroy();
      // A peer that hangs up mid-handshake (port scanners, refused connections) is not news.
      if (this.closing || error.code === 'ECONNRESET') return;
      const address = unmapIPv4(socket.remoteAddress);
      const skipped = this.logThrottle.pass(`tls:${address}`, this.clock.now());
      if (skipped !== undefined) this.logger.info('tls handshake failed', { address, reason: (error.code ?? error.message).slice(0, 120), ...(skipped > 0 ? { alsoFailed: skipped } : {}) });
    });
  }

  /** Listen on the configured host and port; resolves once accepting. */
  async listen(): Promise<void> {
    const { host, port } = this.settings;
    // "256.1.1.1" would otherwise go to DNS and fail as a name: say what is wrong with it.
    if (hostProblem(host)) throw new PartyPoolError('LISTEN_FAILED', listenFailureText(host, port, 'HOST_INVALID'));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new PartyPoolError('LISTEN_FAILED', listenFailureText(host, port, error.code), { cause: error }));
      });
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.removeAllListeners('error');
        resolve();
      });
    });
    this.server.on('error', (error: Error) => this.logger.error('listener error', { reason: error.message }));
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.limits.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** The port actually listened on (the configured one until then). */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : this.settings.port;
  }

  /** Refuse new connections and stop the heartbeat; resolves once the listening socket is closed. */
  stopAccepting(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * A TCP connection, before TLS: bans and blocks, the per-address rate, the pre-login slots
   * (connection-guard.ts). Refused connections are closed at once, costing no handshake.
   */
  private onRawConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const address = unmapIPv4(socket.remoteAddress);
    const now = this.clock.now();
    let banned: boolean;
    try {
      banned = this.moderation.addressRefusal(address) !== undefined || this.loginBlocks.unsavedBlock(address) !== undefined;
    } catch {
      // The look-up failed (a broken disk): the check after the handshake tries again and reports it.
      banned = false;
    }
    // A banned address is cut here; a few connections a minute still get the handshake and hear why.
    if (banned && !this.guard.explainsBan(address, now)) {
      socket.destroy();
      return this.logRefusal(`banned:${rateKey(address)}`, now, { address, reason: 'banned or blocked' });
    }
    const { refusal, evicted } = this.guard.admit(socket, address, now);
    if (evicted.length > 0) {
      this.logRefusal('evicted', now, { address, reason: 'pre-login slots full: the oldest strangers were closed for it', closed: evicted.map((e) => e.address).join(','), holders: this.holders() });
    }
    if (!refusal) return;
    socket.destroy();
    switch (refusal) {
      case 'rate':
        return this.logRefusal(`rate:${rateKey(address)}`, now, { address, reason: `over ${this.settings.connectionsPerMinute} connections per minute` });
      case 'per-address':
        return this.logRefusal(`per-address:${rateKey(address)}`, now, { address, reason: `over ${this.settings.maxUnauthenticatedPerAddress} connections not logged in from one address` });
      default:
        return this.logRefusal('unauthenticated', now, { address, reason: `over ${this.settings.maxUnauthenticated} connections not logged in`, holders: this.holders() });
    }
  }

  /** One log line per key per minute, with how many were skipped since the last. */
  private logRefusal(key: string, now: number, fields: Record<string, string>): void {
    const skipped = this.logThrottle.pass(key, now);
    if (skipped === undefined) return;
    this.logger.warn('connection refused before TLS', { ...fields, ...(skipped > 0 ? { alsoRefused: skipped } : {}) });
  }

  /** The addresses holding the most pre-login slots, for the log: "203.0.113.9(4),…". */
  private holders(): string {
    return this.guard
      .topHolders(5)
      .map((h) => `${h.address}(${h.slots})`)
      .join(',');
  }

  private onConnection(socket: tls.TLSSocket): void {
    const address = unmapIPv4(socket.remoteAddress);
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.guard.secured(socket);
    try {
      const refusal = this.moderation.connectionRefusal(address);
      if (refusal) return this.refuseConnection(socket, address, refusal.code, refusal.message);
      const unsaved = this.loginBlocks.unsavedBlock(address);
      if (unsaved !== undefined) return this.refuseConnection(socket, address, 'BANNED', `Too many failed logins from your address; try again in ${formatDuration(unsaved)}.`);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      const session = new Session(socket, this.nextSessionId(), address, this.limits, this.handlers, this.now);
      this.connections.add(session);
      this.logger.info('connection', { conn: session.id, address });
      this.sessions.opened(session);
    } catch (error) {
      // Outside any session: a failing ban look-up (a broken disk) must cost this connection only.
      this.logger.error('connection setup failed', { address, reason: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      socket.destroy();
    }
  }

  /** Turn a connection away before any login work: one error, a bye, and the socket closed. */
  private refuseConnection(socket: tls.TLSSocket, address: string, code: ErrorCode, message: string): void {
    this.logger.info('connection refused', { address, reason: code });
    this.sessions.errorSent?.(undefined, code);
    socket.on('error', () => undefined);
    socket.end(Buffer.concat([encodeFrame({ type: 'error', code, message }), encodeFrame({ type: 'bye', code, message })]));
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Ping every connection; one silent past the timeout is closed (HEARTBEAT_TIMEOUT). */
  private checkHeartbeats(): void {
    const now = this.clock.now();
    const ping = encodeFrame({ type: 'ping' });
    for (const session of this.connections) {
      if (now - session.lastSeenAt > this.limits.heartbeatTimeoutMs) session.fail('HEARTBEAT_TIMEOUT');
      else session.sendFrame(ping);
    }
  }
}
