// The browser app's web server: 127.0.0.1 only, on a random port. What it holds against
// (PRODUCT.md: "another web page or program on a friend's computer"):
// - another site in the browser: no cookie (SameSite=Strict), a foreign Origin on the
//   WebSocket, and a foreign Host after DNS rebinding are all refused;
// - another program on the computer: it can reach the port but has neither the one-time launch
//   secret nor the session cookie;
// - a page that misbehaves (or was made to): frame size, message rate, connection count and
//   unread output are bounded, and every refusal is answered without ending the program.
// Assets are embedded bytes (assets.generated.ts); nothing is read from disk or the internet.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { randomToken, sameToken } from '../crypto/tokens.js';
import { CloseCodes } from './protocol.js';

export interface Asset {
  type: string;
  body: Buffer;
}

export interface LocalServerLimits {
  /** The largest WebSocket message accepted from a page. */
  maxFrameBytes: number;
  /** Page messages: a token bucket of `burst`, refilled at `ratePerSecond`. */
  burst: number;
  ratePerSecond: number;
  /** Refused (too fast or invalid) messages before the page is disconnected. */
  maxViolations: number;
  /** Open pages (tabs) at once. */
  maxPages: number;
  /** Output a page has not read yet before it is disconnected. */
  maxBufferedBytes: number;
  /** HTTP connections at once. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: LocalServerLimits = {
  maxFrameBytes: 64 * 1024,
  burst: 40,
  ratePerSecond: 20,
  maxViolations: 50,
  maxPages: 8,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxConnections: 64,
};

/** One open page, as the bridge sees it; `Out` is what the bridge may send it. */
export interface PageConnection<Out> {
  send(event: Out): void;
}

export interface PageHandlers<In, Out> {
  open(page: PageConnection<Out>): void;
  message(page: PageConnection<Out>, message: In): void;
  close(page: PageConnection<Out>): void;
  /**
   * A binary message (an upload's bytes). Not counted by the message rate: the handler bounds
   * them itself (a byte window per upload). Returns why it was refused, or undefined. Without
   * this handler binary messages are refused.
   */
  binary?(page: PageConnection<Out>, data: Buffer): string | undefined;
}

/** A page's text frame, validated: the message, or why it was refused. */
export type PageParse<In> = { ok: true; message: In } | { ok: false; detail: string };

/**
 * The local web server of one app (the chat, the admin dashboard): its embedded files, how a
 * page's frames are validated (`parse`, zod) and who handles them. Whatever the app, the server
 * itself answers refusals with `{"type":"problem","code","message"}`.
 */
export interface LocalServerOptions<In, Out> {
  assets: ReadonlyMap<string, Asset>;
  parse: (text: string) => PageParse<In>;
  handlers: PageHandlers<In, Out>;
  limits?: Partial<LocalServerLimits>;
  /** Injected for tests: the clock of the rate limit. */
  now?: () => number;
  /** 0 (default) picks a free port. */
  port?: number;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** Where the launch secret is exchanged for the session cookie. */
export const SESSION_PATH = '/session';
export const SOCKET_PATH = '/ws';

function refusalPage(title: string, text: string): string {
  // No user input in here: fixed sentences only.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

const NOT_SIGNED_IN = refusalPage('Open Party Pool from its own link', 'This page works only from the link the Party Pool program printed (or opened) when it started, in the browser that opened it first.');
const LINK_USED = refusalPage('This link was already used', 'Each link works once. If you closed the Party Pool tab, open the address without the part after "?" in the same browser; or restart the Party Pool program for a new link.');

/** A token bucket for one page's messages. */
class PageRate {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limits: LocalServerLimits,
    private readonly now: () => number,
  ) {
    this.tokens = limits.burst;
    this.at = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.at) / 1000) * this.limits.ratePerSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class LocalWebServer<In, Out> {
  private readonly http: http.Server;
  private readonly sockets: WebSocketServer;
  private readonly limits: LocalServerLimits;
  /** The one-time launch secret; undefined once exchanged. */
  private launchToken: string | undefined = randomToken(32);
  private launchUrlText: string;
  private readonly session = randomToken(32);
  private readonly pages = new Set<WebSocket>();
  readonly port: number;
  /** Refusals by kind since the start (tests and the log read them). */
  readonly refused = { host: 0, origin: 0, cookie: 0, token: 0, tooManyPages: 0, invalid: 0, tooFast: 0, tooBig: 0 };

  private constructor(
    private readonly options: LocalServerOptions<In, Out>,
    server: http.Server,
    sockets: WebSocketServer,
    port: number,
  ) {
    this.http = server;
    this.sockets = sockets;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.port = port;
    this.launchUrlText = `http://127.0.0.1:${port}${SESSION_PATH}?token=${this.launchToken ?? ''}`;
  }

  /** Listen on 127.0.0.1 (a free port unless `options.port`). */
  static async start<In, Out>(options: LocalServerOptions<In, Out>): Promise<LocalWebServer<In, Out>> {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const sockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    const server = http.createServer({ maxHeaderSize: 8 * 1024, requestTimeout: 10_000, headersTimeout: 10_000 });
    server.maxConnections = limits.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const local = new LocalWebServer(options, server, sockets, port);
    server.on('request', (request, response) => local.onRequest(request, response));
    server.on('upgrade', (request, socket, head) => local.onUpgrade(request, socket, head));
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    return local;
  }

  /** The address to open once: it carries the launch secret. */
  get launchUrl(): string {
    return this.launchUrlText;
  }

  /**
   * A new one-time link (the old one, if unused, stops working): for a browser that lost its
   * cookie (it was closed) while this program keeps running, e.g. the server's dashboard.
   */
  renewLaunchUrl(): string {
    this.launchToken = randomToken(32);
    this.launchUrlText = `http://127.0.0.1:${this.port}${SESSION_PATH}?token=${this.launchToken}`;
    return this.launchUrlText;
  }

  /** The app's address once the browser has its cookie. */
  get appUrl(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  get cookieName(): string {
    // Cookies are not kept apart by port: a name per port keeps two launches from clobbering each other.
    return `party_pool_${this.port}`;
  }

  get openPages(): number {
    return this.pages.size;
  }

  /** The Host header names this server (not a rebound DNS name pointing at 127.0.0.1). */
  private hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return false;
    const lower = host.toLowerCase();
    return lower === `127.0.0.1:${this.port}` || lower === `localhost:${this.port}`;
  }

  private originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return false;
    const lower = origin.toLowerCase();
    return lower === `http://127.0.0.1:${this.port}` || lower === `http://localhost:${this.port}`;
  }

  private hasSession(request: http.IncomingMessage): boolean {
    const header = request.headers.cookie;
    if (header === undefined || header.length > 4096) return false;
    for (const part of header.split(';')) {
      const at = part.indexOf('=');
      if (at < 0) continue;
      if (part.slice(0, at).trim() === this.cookieName && sameToken(part.slice(at + 1).trim(), this.session)) return true;
    }
    return false;
  }

  private reply(response: http.ServerResponse, status: number, body: string | Buffer, type = 'text/html; charset=utf-8', extra: Record<string, string> = {}): void {
    response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
    response.end(response.req.method === 'HEAD' ? undefined : body);
  }

  private onRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
    try {
      this.route(request, response);
    } catch {
      if (!response.headersSent) this.reply(response, 500, refusalPage('Error', 'Something went wrong.'));
      else response.destroy();
    }
  }

  private route(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!this.hostAllowed(request.headers.host)) {
      this.refused.host += 1;
      return this.reply(response, 421, refusalPage('Wrong address', 'Open Party Pool at 127.0.0.1.'));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return this.reply(response, 405, refusalPage('Not allowed', 'Only GET is served here.'), undefined, { Allow: 'GET, HEAD' });
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname === SESSION_PATH) return this.exchange(url, response);
    if (url.pathname === '/favicon.ico') return this.reply(response, 204, '');
    if (!this.hasSession(request)) {
      this.refused.cookie += 1;
      return this.reply(response, 403, NOT_SIGNED_IN);
    }
    const asset = this.options.assets.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (!asset) return this.reply(response, 404, refusalPage('Not found', 'There is nothing here.'));
    this.reply(response, 200, asset.body, asset.type);
  }

  /** The launch link: trade the one-time secret for the session cookie, then go to a clean URL. */
  private exchange(url: URL, response: http.ServerResponse): void {
    const presented = url.searchParams.get('token') ?? '';
    if (this.launchToken !== undefined && sameToken(presented, this.launchToken)) {
      this.launchToken = undefined;
      return this.reply(response, 303, '', 'text/plain', {
        'Set-Cookie': `${this.cookieName}=${this.session}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
      });
    }
    this.refused.token += 1;
    this.reply(response, 403, this.launchToken === undefined ? LINK_USED : NOT_SIGNED_IN);
  }

  private refuseUpgrade(socket: Duplex, status: number, reason: string): void {
    socket.on('error', () => undefined);
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  }

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (!this.hostAllowed(request.headers.host)) {
      this.refused.host += 1;
      return this.refuseUpgrade(socket, 421, 'Misdirected Request');
    }
    if (!this.originAllowed(request.headers.origin)) {
      this.refused.origin += 1;
      return this.refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (!this.hasSession(request)) {
      this.refused.cookie += 1;
      return this.refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (new URL(request.url ?? '/', `http://127.0.0.1:${this.port}`).pathname !== SOCKET_PATH) return this.refuseUpgrade(socket, 404, 'Not Found');
    if (this.pages.size >= this.limits.maxPages) {
      this.refused.tooManyPages += 1;
      return this.refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.onPage(ws));
  }

  private onPage(ws: WebSocket): void {
    this.pages.add(ws);
    const rate = new PageRate(this.limits, this.options.now ?? Date.now);
    let violations = 0;
    const sendJson = (value: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      // A page that stopped reading must not make this process hold its output forever.
      if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(value));
    };
    const page: PageConnection<Out> = { send: sendJson };
    const problem = (code: string, message: string): void => sendJson({ type: 'problem', code, message });
    const violated = (code: string, message: string): void => {
      violations += 1;
      if (violations > this.limits.maxViolations) {
        ws.close(CloseCodes.policy, 'Too many refused messages.');
        return;
      }
      problem(code, message);
    };
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.refused.tooBig += 1;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const handlers = this.options.handlers;
      if (isBinary && handlers.binary) {
        let refusal: string | undefined;
        try {
          refusal = handlers.binary(page, Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
        } catch {
          refusal = 'That upload failed.';
        }
        if (refusal !== undefined) {
          this.refused.invalid += 1;
          violated('BAD_MESSAGE', refusal);
        }
        return;
      }
      if (!rate.take()) {
        this.refused.tooFast += 1;
        return violated('TOO_FAST', 'Too many requests from this page; that one was ignored.');
      }
      if (isBinary) {
        this.refused.invalid += 1;
        return violated('BAD_MESSAGE', 'Binary messages are not understood.');
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
      const parsed = this.options.parse(text);
      if (!parsed.ok) {
        this.refused.invalid += 1;
        return violated('BAD_MESSAGE', `That request was not understood (${parsed.detail}).`);
      }
      try {
        this.options.handlers.message(page, parsed.message);
      } catch {
        problem('INTERNAL', 'That request failed.');
      }
    });
    ws.on('close', () => {
      this.pages.delete(ws);
      this.options.handlers.close(page);
    });
    this.options.handlers.open(page);
  }

  /** Close every page (with `code`) and stop listening. */
  async close(code: number = CloseCodes.goingAway): Promise<void> {
    for (const ws of this.pages) ws.close(code, 'Party Pool is closing.');
    const closing = new Promise<void>((resolve) => this.http.close(() => resolve()));
    // Pages get a moment for the closing handshake; then whatever is left is cut.
    const cut = setTimeout(() => {
      for (const ws of this.pages) ws.terminate();
      this.http.closeAllConnections();
    }, 500);
    this.http.closeIdleConnections();
    await closing;
    clearTimeout(cut);
  }
}
