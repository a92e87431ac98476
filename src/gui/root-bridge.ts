// The bridge behind the admin pages: a root session (the same ChatClient the `root>` console
// uses: pinned TLS, passkey and root password proofs, reconnects) driven from the browser.
// Every action a page takes (kick, ban, notice, shutdown, lockdown, revoke, a typed line)
// becomes one root command: the server's one dispatcher checks and audits it, exactly as if it
// were typed at the console. Nothing is done here that the root console could not do.
//
// Two modes:
// - console (`party-pool root --gui`, root packages): a login form, then the console;
// - dashboard (`party-pool server --dashboard`): logged in by its own server over loopback,
//   plus what the server shows in-process (DashboardSource: its facts, live state and log),
//   polled while a page is open and sent only when it changed.
import type { TLSSocket } from 'node:tls';
import { PartyPoolError } from '../common/errors.js';
import { renderEvent, type RenderOptions } from '../cli/render.js';
import { makeChalk } from '../cli/style.js';
import { ChatClient } from '../link/chat-client.js';
import type { Credentials } from '../link/login.js';
import type { PinnedTarget } from '../link/pin.js';
import { ServerRefusal } from '../link/server-link.js';
import type { DashboardSnapshot, DashboardSource } from '../protocol/dashboard.js';
import type { ServerMessage } from '../protocol/messages.js';
import { quoteWords } from '../protocol/words.js';
import { ADMIN_PROTOCOL_VERSION, type AdminAction, type AdminConnection, type AdminEvent, type AdminLoginView, type AdminMessage, type AdminMode, type AdminPhase, type AdminView, type ConsoleEntry, type ConsoleTone } from './admin-protocol.js';
import type { PageConnection } from './local-server.js';

export interface RootBridgeOptions {
  mode: AdminMode;
  /** Where to connect, given the passkey (a root package opens its sealed file with it). */
  connect: (passkey: string) => Promise<{ pin: PinnedTarget; credentials: Credentials }>;
  /** Given up front (environment, file, or the dashboard's own server): the form hides the field. */
  passkey?: string | undefined;
  rootPassword?: string | undefined;
  /** Dashboard: what the server it runs in shows. */
  source?: DashboardSource | undefined;
  /** Each new connection to the server, before it logs in (the dashboard names its own). */
  onConnected?: (socket: TLSSocket) => void;
  /** The console's Leave (or `exit`): the program ends. */
  onLeave: () => void;
  /** How often an open dashboard page's live state is checked (ms). */
  pollMs?: number;
  /** Injected for tests: the first reconnect delay. */
  reconnectInitialDelayMs?: number;
}

/** Console entries kept (a reloaded page gets them all). */
export const MAX_CONSOLE_ENTRIES = 500;
/** Log lines sent to a page that opens. */
const MAX_LOG_LINES = 200;
const DEFAULT_POLL_MS = 1000;

/** The root command an action button stands for. */
export function actionCommand(action: AdminAction): { name: string; words: string[] } {
  switch (action.action) {
    case 'kick':
      return { name: 'remove', words: ['-u', action.name] };
    case 'ban':
      return { name: 'ban', words: [action.kind === 'name' ? '-u' : '-ip', action.target, ...(action.duration === undefined || action.duration === 'permanent' ? [] : [action.duration])] };
    case 'unban':
      return { name: 'unban', words: [action.target] };
    case 'notice':
      return { name: 'send', words: ['-all', action.text] };
    case 'shutdown':
      return { name: 'close-server', words: ['-t', String(action.seconds), ...(action.message === undefined ? [] : ['-m', action.message])] };
    case 'cancel-shutdown':
      return { name: 'cancel-shutdown', words: [] };
    case 'lockdown':
      return { name: 'lockdown', words: [action.on ? 'on' : 'off'] };
    case 'revoke':
      return { name: 'revoke', words: [action.packageId] };
  }
}

/** One console line as a command: "ban -u bob 2h" -> ban, "-u bob 2h" (a leading "/" is forgiven). */
function parseLine(line: string): { name: string; args: string } | undefined {
  const match = /^\s*\/?(\S+)\s*([\s\S]*)$/.exec(line);
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase().slice(0, 32), args: match[2]?.trimEnd() ?? '' };
}

/** How an action's command reads in the console: as a person would type it. */
function shownCommand(name: string, words: readonly string[]): string {
  return [name, ...words.map((word) => (word === '' || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word))].join(' ');
}

function loginField(code: string): NonNullable<AdminLoginView['error']>['field'] {
  if (code === 'AUTH_FAILED') return 'passkey';
  if (code === 'ROOT_AUTH_FAILED') return 'rootPassword';
  return 'form';
}

export class RootBridge {
  private readonly pages = new Set<PageConnection<AdminEvent>>();
  private phase: AdminPhase = 'login';
  private login: AdminLoginView;
  private ended: { code: string; message: string } | null = null;
  private client: ChatClient | undefined;
  private connection: AdminConnection = { up: false };
  private readonly entries: ConsoleEntry[] = [];
  private sequence = 0;
  private leaving = false;
  private closed = false;
  private snapshot: DashboardSnapshot | null = null;
  private snapshotJson = '';
  private poller: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly stopLog: (() => void) | undefined;
  private readonly render: RenderOptions = { chalk: makeChalk(false), color: false, boxes: false };

  constructor(private readonly options: RootBridgeOptions) {
    this.login = { askPasskey: options.passkey === undefined, askRootPassword: options.rootPassword === undefined };
    this.stopLog = options.source?.onLog((line) => this.broadcast({ type: 'log', lines: [line] }));
  }

  get mode(): AdminMode {
    return this.options.mode;
  }

  get currentPhase(): AdminPhase {
    return this.phase;
  }

  /** The root session's client while logged in (tests look at it). */
  get rootClient(): ChatClient | undefined {
    return this.client;
  }

  /** Log in with what the program was given (the dashboard does this at once). */
  start(): void {
    if (this.phase === 'login') void this.startLogin({ type: 'login' });
  }

  attach(page: PageConnection<AdminEvent>): void {
    this.pages.add(page);
    page.send({ type: 'hello', version: ADMIN_PROTOCOL_VERSION, ...this.view() });
    if (this.options.source && this.pages.size === 1) {
      this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? DEFAULT_POLL_MS);
      this.poller.unref();
      void this.poll();
    }
  }

  detach(page: PageConnection<AdminEvent>): void {
    this.pages.delete(page);
    if (this.pages.size === 0 && this.poller) {
      clearInterval(this.poller);
      this.poller = undefined;
    }
  }

  private view(): AdminView {
    const source = this.options.source;
    return {
      mode: this.options.mode,
      phase: this.phase,
      login: this.login,
      me: this.client?.name ?? null,
      connection: this.connection,
      ended: this.ended,
      host: source?.host ?? null,
      snapshot: this.snapshot,
      log: source ? source.recentLog().slice(-MAX_LOG_LINES) : [],
      console: [...this.entries],
    };
  }

  private broadcast(event: AdminEvent): void {
    for (const page of this.pages) page.send(event);
  }

  private setPhase(phase: AdminPhase): void {
    this.phase = phase;
    this.broadcast({ type: 'phase', phase, login: this.login, me: this.client?.name ?? null, ended: this.ended });
  }

  private setConnection(connection: AdminConnection): void {
    this.connection = connection;
    this.broadcast({ type: 'connection', connection });
  }

  /** Read the live state; pages get it when it changed. One read at a time. */
  poll(): Promise<void> {
    const source = this.options.source;
    if (!source || this.closed) return Promise.resolve();
    this.polling ??= source
      .snapshot()
      .then((snapshot) => {
        const json = JSON.stringify(snapshot);
        if (json === this.snapshotJson) return;
        this.snapshotJson = json;
        this.snapshot = snapshot;
        this.broadcast({ type: 'snapshot', snapshot });
      })
      .catch(() => undefined)
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  /** One validated request from a page. */
  handle(page: PageConnection<AdminEvent>, message: AdminMessage): void {
    switch (message.type) {
      case 'leave':
        if (this.options.mode === 'dashboard') return page.send({ type: 'problem', code: 'NOT_NOW', message: 'The dashboard ends with its server: use "Shut down the server" to stop both.' });
        return this.leave();
      case 'login':
        if (this.phase !== 'login') return page.send({ type: 'problem', code: 'NOT_NOW', message: 'Already logged in.' });
        void this.startLogin(message);
        return;
      case 'restart':
        if (this.phase !== 'ended') return page.send({ type: 'problem', code: 'NOT_NOW', message: 'The session has not ended.' });
        this.ended = null;
        this.login = { askPasskey: this.options.passkey === undefined, askRootPassword: this.options.rootPassword === undefined };
        if (this.options.mode === 'dashboard') {
          // Nothing to type: log in again at once.
          this.phase = 'login';
          return this.start();
        }
        return this.setPhase('login');
      case 'command':
        return this.typed(page, message.line);
      case 'action':
        return this.act(page, message);
    }
  }

  // ---- the root session --------------------------------------------------------------------

  private refused(code: string, message: string): void {
    this.login = { ...this.login, error: { code, message, field: loginField(code) } };
    if (this.options.mode === 'dashboard') {
      // No form to go back to: the page shows why actions are unavailable.
      this.ended = { code, message };
      this.setConnection({ up: false, message: `Actions are unavailable: ${message}` });
      return this.setPhase('ended');
    }
    this.setPhase('login');
  }

  private async startLogin(message: Extract<AdminMessage, { type: 'login' }>): Promise<void> {
    const passkey = this.options.passkey ?? message.passkey;
    const rootPassword = this.options.rootPassword ?? message.rootPassword;
    this.login = { askPasskey: this.login.askPasskey, askRootPassword: this.login.askRootPassword };
    if (passkey === undefined) return this.refused('AUTH_FAILED', 'Type the passkey.');
    if (rootPassword === undefined) return this.refused('ROOT_AUTH_FAILED', 'Type the root password.');
    this.setPhase('connecting');
    let client: ChatClient;
    try {
      const target = await this.options.connect(passkey);
      client = new ChatClient({
        pin: target.pin,
        credentials: { ...target.credentials, rootPassword },
        role: 'root',
        // The server names a root session itself; the name sent only enters the proof.
        chooseName: (refusal) => Promise.resolve(refusal ? undefined : 'root'),
        reconnect: true,
        ...(this.options.onConnected ? { onConnected: this.options.onConnected } : {}),
        ...(this.options.reconnectInitialDelayMs === undefined ? {} : { reconnectInitialDelayMs: this.options.reconnectInitialDelayMs }),
      });
      const welcome = await client.start();
      if (this.leaving || this.closed) {
        client.stop();
        return;
      }
      this.client = client;
      this.login = { askPasskey: this.login.askPasskey, askRootPassword: this.login.askRootPassword };
      this.info(`Logged in as ${welcome.name}; ${welcome.online} user${welcome.online === 1 ? '' : 's'} online. Type help for the commands.`, 'good');
    } catch (error) {
      if (this.leaving || this.closed) return;
      const code = error instanceof ServerRefusal ? error.serverCode : error instanceof PartyPoolError ? error.code : 'INTERNAL';
      return this.refused(code, error instanceof Error ? error.message : String(error));
    }
    client.on('message', (message) => this.unsolicited(message));
    client.on('invalid', (detail) => this.info(detail, 'bad'));
    client.on('disconnected', ({ reason, retryInMs }) => this.setConnection({ up: false, message: `${reason}${retryInMs === undefined ? '' : ` Reconnecting in ${Math.ceil(retryInMs / 1000)} s…`}` }));
    client.on('reconnected', (again) => {
      this.setConnection({ up: true });
      this.info(`Reconnected as ${again.name}.`, 'good');
      this.setPhase('ready');
    });
    client.on('closed', (info) => {
      if (client !== this.client) return;
      this.client = undefined;
      if (this.leaving || this.closed) return;
      this.ended = info;
      this.setConnection({ up: false, message: info.message });
      this.setPhase('ended');
    });
    this.connection = { up: true };
    this.setPhase('ready');
    this.broadcast({ type: 'connection', connection: this.connection });
  }

  /** Server events nobody asked for: notices, joins and leaves, a goodbye. Answers go to their request. */
  private unsolicited(message: ServerMessage): void {
    if ('ref' in message && message.ref !== undefined) return;
    // Chat lines are the members' conversation, not the console's business.
    if (message.type === 'message' || message.type === 'history' || message.type === 'ping') return;
    const tone: ConsoleTone = message.type === 'notice' ? (message.from === 'root' ? 'root' : 'server') : message.type === 'bye' || message.type === 'error' ? 'warn' : 'plain';
    const text = renderEvent(message, this.render);
    if (text !== undefined) this.info(text.replace(/^\[\d\d:\d\d:\d\d\] /, ''), tone);
    // Someone arrived or left: the dashboard need not wait for its next look.
    if (message.type === 'presence') void this.poll();
  }

  private push(entries: ConsoleEntry[]): void {
    this.entries.push(...entries);
    if (this.entries.length > MAX_CONSOLE_ENTRIES) this.entries.splice(0, this.entries.length - MAX_CONSOLE_ENTRIES);
    this.broadcast({ type: 'console', entries });
  }

  private info(text: string, tone: ConsoleTone): void {
    this.push([{ kind: 'info', key: `c${++this.sequence}`, text, tone, time: new Date().toISOString() }]);
  }

  /** An answer as a console entry: tables stay tables; the rest is the terminal's plain text. */
  private answerEntry(reply: ServerMessage): ConsoleEntry & { kind: 'result' | 'info' } {
    const key = `c${++this.sequence}`;
    const time = new Date().toISOString();
    switch (reply.type) {
      case 'result':
        return { kind: 'result', key, time, title: reply.title, lines: reply.lines ?? [], ...(reply.columns ? { columns: reply.columns } : {}), ...(reply.rows ? { rows: reply.rows } : {}) };
      case 'packages':
        return {
          kind: 'result',
          key,
          time,
          title: 'Packages',
          lines: [reply.packages.length === 0 ? 'No packages issued yet.' : `${reply.total} issued${reply.packages.length < reply.total ? `; the newest ${reply.packages.length} shown` : ''}.`],
          columns: ['id', 'kind', 'platforms', 'version', 'issued', 'note', 'revoked'],
          rows: reply.packages.map((p) => [p.id, p.kind, p.platforms.join(', '), p.version, p.createdAt, p.note, p.revokedAt ?? '']),
        };
      case 'help':
        return { kind: 'result', key, time, title: 'Root commands', lines: [], columns: ['command', 'what it does'], rows: reply.commands.map((c) => [c.usage, c.help]) };
      case 'ack':
        return { kind: 'info', key, time, text: reply.text ?? 'Done.', tone: 'good' };
      case 'error':
        return { kind: 'info', key, time, text: reply.message, tone: 'bad' };
      default:
        return { kind: 'info', key, time, text: (renderEvent(reply, this.render) ?? reply.type).replace(/^\[\d\d:\d\d:\d\d\] /, ''), tone: 'plain' };
    }
  }

  /** Run one root command; the answer goes to the console (and is returned). */
  private async run(name: string, args: string, shown: string): Promise<ConsoleEntry & { kind: 'result' | 'info' }> {
    const client = this.client;
    this.push([{ kind: 'command', key: `c${++this.sequence}`, text: shown, time: new Date().toISOString() }]);
    let entry: ConsoleEntry & { kind: 'result' | 'info' };
    if (!client?.connected) {
      entry = { kind: 'info', key: `c${++this.sequence}`, time: new Date().toISOString(), text: 'Not connected to the server right now; nothing was sent.', tone: 'warn' };
    } else {
      const reply = await client.ask(name, args).catch(() => undefined);
      entry = reply ? this.answerEntry(reply) : { kind: 'info', key: `c${++this.sequence}`, time: new Date().toISOString(), text: 'The connection dropped before the server answered; check whether it happened.', tone: 'warn' };
      // Whatever it changed shows at once, not at the next look.
      void this.poll();
    }
    this.push([entry]);
    return entry;
  }

  private typed(page: PageConnection<AdminEvent>, line: string): void {
    if (this.phase !== 'ready') return page.send({ type: 'problem', code: 'NOT_NOW', message: 'Not logged in.' });
    const command = parseLine(line);
    if (!command) return;
    if (command.name === 'exit' || command.name === 'quit') {
      if (this.options.mode === 'console') return this.leave();
      return page.send({ type: 'problem', code: 'NOT_NOW', message: 'The dashboard ends with its server.' });
    }
    void this.run(command.name, command.args, line.trim());
  }

  private act(page: PageConnection<AdminEvent>, action: AdminAction): void {
    if (this.phase !== 'ready') {
      page.send({ type: 'outcome', id: action.id, ok: false, title: 'Not done', lines: ['Not logged in to the server as root right now; nothing was done.'] });
      return;
    }
    const { name, words } = actionCommand(action);
    void this.run(name, quoteWords(words), shownCommand(name, words)).then((entry) => {
      const ok = !(entry.kind === 'info' && (entry.tone === 'bad' || entry.tone === 'warn'));
      const lines = entry.kind === 'result' ? entry.lines : [entry.text];
      page.send({ type: 'outcome', id: action.id, ok, title: entry.kind === 'result' ? entry.title : ok ? 'Done' : 'Not done', lines });
    });
  }

  /** End the session and the program (the console's Leave, `exit`, Ctrl-C). */
  leave(message = 'You left the root console. You can close this tab.'): void {
    if (this.leaving) return;
    this.leaving = true;
    this.client?.stop();
    this.broadcast({ type: 'goodbye', message });
    this.stop();
    this.options.onLeave();
  }

  /** Stop everything without a goodbye of its own (the dashboard's server is stopping and says so). */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.stopLog?.();
    this.client?.stop();
  }

  /** The program is ending: tell the pages, then stop. */
  close(message: string): void {
    if (!this.leaving) this.broadcast({ type: 'goodbye', message });
    this.leaving = true;
    this.stop();
  }
}
