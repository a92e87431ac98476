// A logged-in chat client: one connection at a time, requests tracked until the server
// answers them, and (when asked) reconnection with exponential backoff and jitter that keeps
// the user's name. User interfaces (interactive screen, line mode, root console) sit on top.
import { EventEmitter } from 'node:events';
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import type { ServerMessage } from '../protocol/messages.js';
import { KeyCache, ServerLink, login, openPinnedConnection, type Credentials, type PinnedTarget, type ServerRefusal, type Welcome } from './connection.js';

export interface ChatClientOptions {
  pin: PinnedTarget;
  credentials: Credentials;
  role: 'user' | 'root';
  chooseName: (refusal?: ServerRefusal) => Promise<string | undefined>;
  reconnect: boolean;
  /** Injected for tests: the random source for backoff jitter. */
  random?: () => number;
}

interface ClientEvents {
  message: [ServerMessage];
  invalid: [string];
  /** The connection dropped; `retryInMs` is set when a reconnect is scheduled. */
  disconnected: [{ reason: string; retryInMs?: number }];
  reconnected: [Welcome];
  closed: [{ code: string; message: string }];
}

/** Codes after which reconnecting would only be refused again. */
const FINAL_CODES = new Set(['AUTH_FAILED', 'ROOT_AUTH_FAILED', 'KICKED', 'BANNED', 'LEFT', 'PROTOCOL_VERSION', 'PACKAGE_REVOKED']);

export class ChatClient extends EventEmitter<ClientEvents> {
  private link: ServerLink | undefined;
  private readonly keyCache = new KeyCache();
  private nextId = 1;
  private readonly pending = new Map<number, (answered: boolean) => void>();
  private stopped = false;
  private lastBye: { code: string; message: string } | undefined;
  name = '';

  constructor(private readonly options: ChatClientOptions) {
    super();
  }

  /** Connect and log in; rejects with a PartyPoolError whose exit code the CLI uses. */
  async start(): Promise<Welcome> {
    const welcome = await this.connect(this.options.chooseName);
    return welcome;
  }

  private async connect(chooseName: ChatClientOptions['chooseName']): Promise<Welcome> {
    const socket = await openPinnedConnection(this.options.pin);
    const link = new ServerLink(socket);
    let welcome: Welcome;
    try {
      welcome = await login(link, { role: this.options.role, credentials: this.options.credentials, keyCache: this.keyCache, chooseName });
    } catch (error) {
      link.socket.destroy();
      throw error;
    }
    this.name = welcome.name;
    this.lastBye = undefined;
    this.link = link;
    link.on('message', (message) => this.onMessage(message));
    link.on('invalid', (detail) => this.emit('invalid', detail));
    link.on('close', () => this.onClose(link));
    return welcome;
  }

  private onMessage(message: ServerMessage): void {
    if (message.type === 'ping') {
      this.link?.send({ type: 'pong' });
      return;
    }
    if (message.type === 'bye') this.lastBye = { code: message.code, message: message.message };
    this.emit('message', message);
    if ('ref' in message && message.ref !== undefined) {
      const settle = this.pending.get(message.ref);
      this.pending.delete(message.ref);
      settle?.(true);
    }
  }

  private onClose(link: ServerLink): void {
    if (link !== this.link) return;
    this.link = undefined;
    this.settleAll();
    const bye = this.lastBye;
    if (this.stopped || (bye && (FINAL_CODES.has(bye.code) || bye.code === 'SHUTDOWN')) || !this.options.reconnect) {
      this.stopped = true;
      this.emit('closed', bye ?? { code: 'CONNECTION_LOST', message: 'The connection to the server was lost.' });
      return;
    }
    void this.reconnectLoop(bye?.message ?? 'The connection to the server was lost.');
  }

  private async reconnectLoop(reason: string): Promise<void> {
    const random = this.options.random ?? Math.random;
    let delay: number = config.client.reconnectInitialDelayMs;
    for (let attempt = 1; !this.stopped; attempt++) {
      // Full jitter: a crowd of clients that lost the same server does not return in step.
      const wait = Math.round(delay / 2 + random() * (delay / 2));
      this.emit('disconnected', { reason: attempt === 1 ? reason : `Attempt ${attempt - 1} failed.`, retryInMs: wait });
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.stopped) return;
      try {
        const welcome = await this.connect((refusal) => Promise.resolve(refusal ? undefined : this.name));
        this.emit('reconnected', welcome);
        return;
      } catch (error) {
        if (error instanceof PartyPoolError && ['AUTH_FAILED', 'ROOT_AUTH_FAILED', 'IDENTITY_MISMATCH', 'PROTOCOL_VERSION', 'PACKAGE_REVOKED'].includes(error.code)) {
          this.stopped = true;
          this.emit('closed', { code: error.code, message: error.message });
          return;
        }
        delay = Math.min(delay * 2, config.client.reconnectMaxDelayMs);
      }
    }
  }

  get connected(): boolean {
    return this.link !== undefined && !this.link.closed;
  }

  /** Send a chat line; resolves true once the server answered it (ack or error), false if the connection dropped first. */
  say(text: string): Promise<boolean> {
    return this.request((id) => ({ type: 'say', id, text }));
  }

  /** Send a command; resolves like `say`. */
  command(name: string, args: string): Promise<boolean> {
    return this.request((id) => ({ type: 'command', id, name, args }));
  }

  private request(build: (id: number) => Parameters<ServerLink['send']>[0]): Promise<boolean> {
    const link = this.link;
    if (!link) return Promise.reject(new PartyPoolError('CONNECTION_LOST', 'Not connected; the message was not sent.'));
    const id = this.nextId++;
    return new Promise<boolean>((resolve) => {
      this.pending.set(id, resolve);
      link.send(build(id));
    });
  }

  /** Requests sent but not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private settleAll(): void {
    for (const settle of this.pending.values()) settle(false);
    this.pending.clear();
  }

  /** Leave: stop reconnecting and close the connection. */
  stop(): void {
    this.stopped = true;
    if (this.link) {
      this.link.send({ type: 'bye' });
      this.link.close();
    } else {
      this.emit('closed', { code: 'LEFT', message: 'Goodbye.' });
    }
  }
}
