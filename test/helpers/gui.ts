// The browser app without a browser: its one-time link exchanged over plain HTTP, and a page's
// WebSocket opened with whatever Host, Origin and cookie a test wants to try.
import http from 'node:http';
import WebSocket from 'ws';
import type { BridgeEvent, PageMessage } from '../../src/gui/protocol.js';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to 127.0.0.1:port with exactly these headers (Host included). */
export function httpGet(port: number, pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { Host: `127.0.0.1:${port}`, ...headers }, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${pathname} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/** Trade the launch link for the session cookie ("name=value"). */
export async function exchange(url: string): Promise<string> {
  const parsed = new URL(url);
  const answer = await httpGet(Number(parsed.port), parsed.pathname + parsed.search);
  const cookie = answer.headers['set-cookie']?.[0];
  if (answer.status !== 303 || !cookie) throw new Error(`the launch link answered ${answer.status}`);
  return cookie.split(';')[0] ?? '';
}

/** A page's socket: every event it got, and waits with deadlines. `E`: what its program sends (the chat's events by default). */
export class PageSocket<E extends { type: string } = BridgeEvent> {
  readonly events: E[] = [];
  private waiters: { accept: (event: E) => boolean; resolve: (event: E) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data)).toString('utf8');
      const event = JSON.parse(text) as E;
      this.events.push(event);
      for (const waiter of [...this.waiters]) {
        if (waiter.accept(event)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(event);
        }
      }
    });
    ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  send(message: PageMessage | object): void {
    this.ws.send(JSON.stringify(message));
  }

  waitFor<T extends E['type']>(type: T, accept: (event: Extract<E, { type: T }>) => boolean = () => true, timeoutMs = 10_000): Promise<Extract<E, { type: T }>> {
    const matches = (event: E): boolean => event.type === type && accept(event as Extract<E, { type: T }>);
    const seen = this.events.find(matches);
    if (seen) return Promise.resolve(seen as Extract<E, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${this.events.map((e) => e.type).join(',')}`)), timeoutMs);
      timer.unref();
      this.waiters.push({
        accept: matches,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as Extract<E, { type: T }>);
        },
      });
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Open a page socket; `headers` may replace Host, Origin and Cookie. */
export function openPage<E extends { type: string } = BridgeEvent>(port: number, headers: Record<string, string | undefined>): PageSocket<E> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined) clean[key] = value;
  return new PageSocket<E>(new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: clean, perMessageDeflate: false, handshakeTimeout: 10_000 }));
}

/** The headers a real page from this app sends. */
export function pageHeaders(port: number, cookie: string): Record<string, string> {
  return { Origin: `http://127.0.0.1:${port}`, Cookie: cookie };
}
