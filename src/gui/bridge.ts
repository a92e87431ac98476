// The bridge between the browser page and the pinned chat connection. The page never talks to
// the Party Pool server: it sends validated requests here (src/gui/protocol.ts), and this side
// drives the same ChatClient the terminal uses (pinned TLS, passkey proof, reconnects). The
// bridge keeps the state a page needs to draw itself (rooms, logs, who is online, the
// connection), so a reloaded or second tab gets all of it in its first frame.
import { ErrorCodes, PartyPoolError } from '../common/errors.js';
import { renderEvent, type RenderOptions } from '../cli/render.js';
import { makeChalk } from '../cli/style.js';
import { ChatClient } from '../link/chat-client.js';
import { type Credentials, type Welcome } from '../link/login.js';
import { ServerRefusal } from '../link/server-link.js';
import type { PinnedTarget } from '../link/pin.js';
import { SendPacer } from '../link/send-pacer.js';
import { parseInputLine } from '../link/input-line.js';
import type { ServerMessage, ServerMessageOf } from '../protocol/messages.js';
import { checkName, nameKey } from '../protocol/names.js';
import { LOBBY, roomKey } from '../protocol/rooms.js';
import { quoteWords } from '../protocol/words.js';
import { GUI_PROTOCOL_VERSION, type BridgeEvent, type ChatView, type ConnectionView, type Entry, type InfoTone, type LoginView, type PageMessage, type Phase, type RoomView } from './protocol.js';

/** A page connected over the WebSocket; the server side (local-server.ts) owns its limits. */
export interface PageLink {
  send(event: BridgeEvent): void;
}

export interface BridgeOptions {
  /** Where to connect, given the passkey (an issued package opens its sealed file with it). */
  connect: (passkey: string) => Promise<{ pin: PinnedTarget; credentials: Credentials }>;
  /** The passkey when it was given up front (PARTY_POOL_PASSKEY, --passkey-file): the form hides the field. */
  passkey?: string | undefined;
  name?: string | undefined;
  /** The account password from PARTY_POOL_PASSWORD / --password-file, and --register. */
  account?: { password: string | undefined; register: boolean } | undefined;
  /** The page's "Leave" (or /exit): the program ends. */
  onLeave: () => void;
  /** Injected for tests: the first reconnect delay. */
  reconnectInitialDelayMs?: number;
}

/** The most entries a room's log keeps at its end; older ones are dropped (and can be loaded again). */
export const MAX_LOG_ENTRIES = 2000;
/** Lines typed while disconnected, kept to send after the reconnect. */
export const MAX_QUEUED_LINES = 200;
/** Messages asked for per "load older". */
const OLDER_PAGE = 50;

interface RoomLog {
  name: string;
  entries: Entry[];
  unread: number;
  mentioned: boolean;
  more: boolean;
  olderPending: boolean;
}

interface Ask {
  typed: boolean;
}

interface QueuedLine {
  key: string;
  room: string;
  text: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where on the login form a refusal belongs. */
function fieldFor(code: string): NonNullable<LoginView['error']>['field'] {
  if (code === 'AUTH_FAILED') return 'passkey';
  if (code === 'NAME_INVALID' || code === 'NAME_RESERVED' || code === 'NAME_TAKEN') return 'name';
  if (code.startsWith('PASSWORD_') || code === 'REGISTRATION_REQUIRED') return 'password';
  return 'form';
}

export class ChatBridge {
  private readonly pages = new Set<PageLink>();
  private phase: Phase = 'login';
  private login: LoginView;
  private ended: { code: string; message: string } | null = null;
  private client: ChatClient | undefined;
  private pacer: SendPacer | undefined;
  private readonly logs = new Map<string, RoomLog>();
  /** Who is online, by name key. */
  private readonly online = new Map<string, string>();
  private queue: QueuedLine[] = [];
  private connection: ConnectionView = { up: false, queued: 0 };
  /** Answers to /online and /rooms arrive in request order; `typed`: the person asked (show it). */
  private readonly onlineAsks: Ask[] = [];
  private readonly roomListAsks: Ask[] = [];
  private sequence = 0;
  private leaving = false;
  private readonly render: RenderOptions = { chalk: makeChalk(false), color: false, boxes: false };

  constructor(private readonly options: BridgeOptions) {
    this.login = { askPasskey: options.passkey === undefined, name: options.name ?? '', askPassword: false, register: false };
  }

  /** A page connected: it gets everything it needs to draw itself. */
  attach(page: PageLink): void {
    this.pages.add(page);
    page.send({ type: 'hello', version: GUI_PROTOCOL_VERSION, ...this.phaseView() });
  }

  detach(page: PageLink): void {
    this.pages.delete(page);
  }

  get currentPhase(): Phase {
    return this.phase;
  }

  /** The chat client while logged in (tests look at it). */
  get chatClient(): ChatClient | undefined {
    return this.client;
  }

  private broadcast(event: BridgeEvent): void {
    for (const page of this.pages) page.send(event);
  }

  private phaseView(): { phase: Phase; login: LoginView; chat: ChatView | null; ended: { code: string; message: string } | null } {
    return { phase: this.phase, login: this.login, chat: this.phase === 'chat' ? this.chatView() : null, ended: this.ended };
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    this.broadcast({ type: 'phase', ...this.phaseView() });
  }

  private problem(page: PageLink, code: string, message: string): void {
    page.send({ type: 'problem', code, message });
  }

  /** One validated request from a page. */
  handle(page: PageLink, message: PageMessage): void {
    if (message.type === 'leave') return this.leave();
    if (message.type === 'login') {
      if (this.phase !== 'login') return this.problem(page, 'NOT_NOW', 'Already logged in.');
      void this.startLogin(message);
      return;
    }
    if (message.type === 'restart') {
      if (this.phase !== 'ended') return this.problem(page, 'NOT_NOW', 'The chat has not ended.');
      this.ended = null;
      this.login = { ...this.login, askPassword: false, register: false };
      delete this.login.error;
      this.setPhase('login');
      return;
    }
    const client = this.client;
    if (this.phase !== 'chat' || !client) return this.problem(page, 'NOT_NOW', 'Log in first.');
    switch (message.type) {
      case 'send':
        return this.typed(message.room, message.text);
      case 'view':
        return this.view(message.room);
      case 'older':
        return this.loadOlder(page, message.room);
      case 'join':
        void this.line(`/join ${message.target.trim()}`, page);
        return;
      case 'create':
        void this.line(`/create ${message.room}${message.inviteOnly ? ' --private' : ''}`, page);
        return;
      case 'leave-room':
        void this.line(`/leave ${message.room}`, page);
        return;
      case 'invite':
        void this.line(`/invite ${message.room}`, page);
        return;
      case 'list-rooms':
        if (!client.connected) return this.problem(page, 'NOT_CONNECTED', 'Not connected right now; try again in a moment.');
        void this.asked(this.roomListAsks, false, () => client.command('rooms', ''));
        return;
      case 'account': {
        if (!client.connected) return this.problem(page, 'NOT_CONNECTED', 'Not connected right now; nothing changed.');
        if (message.action === 'register') void this.paced('command', () => client.register(message.password));
        else void this.paced('command', () => client.changePassword(message.old, message.password));
        return;
      }
    }
  }

  // ---- login ------------------------------------------------------------------------------

  private loginRefused(code: string, message: string): void {
    const field = fieldFor(code);
    const asksPassword = field === 'password';
    this.login = { ...this.login, askPassword: this.login.askPassword || asksPassword, register: code === 'REGISTRATION_REQUIRED' ? true : this.login.register, error: { code, message, field } };
    this.setPhase('login');
  }

  private async startLogin(message: Extract<PageMessage, { type: 'login' }>): Promise<void> {
    const name = message.name.trim();
    this.login = { ...this.login, name };
    delete this.login.error;
    const passkey = this.options.passkey ?? message.passkey;
    if (passkey === undefined) return this.loginRefused('SECRET_MISSING', 'Type the passkey.');
    const nameProblem = checkName(name);
    if (nameProblem) return this.loginRefused(nameProblem, ErrorCodes[nameProblem].message);
    this.setPhase('connecting');
    const password = message.password ?? this.options.account?.password;
    const register = message.register ?? (this.login.register || this.options.account?.register === true);
    let client: ChatClient;
    let welcome: Welcome;
    try {
      const target = await this.options.connect(passkey);
      client = new ChatClient({
        pin: target.pin,
        credentials: target.credentials,
        role: 'user',
        chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
        reconnect: true,
        account: { password, register: register && password !== undefined },
        ...(this.options.reconnectInitialDelayMs === undefined ? {} : { reconnectInitialDelayMs: this.options.reconnectInitialDelayMs }),
      });
      welcome = await client.start();
    } catch (error) {
      if (this.leaving) return;
      const code = error instanceof ServerRefusal ? error.serverCode : error instanceof PartyPoolError ? error.code : 'INTERNAL';
      return this.loginRefused(code, error instanceof Error ? error.message : String(error));
    }
    if (this.leaving) {
      client.stop();
      return;
    }
    this.welcomed(client, welcome);
  }

  private welcomed(client: ChatClient, welcome: Welcome): void {
    this.client = client;
    this.pacer = new SendPacer(welcome.limits);
    this.logs.clear();
    this.online.clear();
    this.queue = [];
    this.onlineAsks.length = 0;
    this.roomListAsks.length = 0;
    this.connection = { up: true, queued: 0 };
    this.login = { ...this.login, name: welcome.name, askPassword: false, register: false };
    delete this.login.error;
    this.logFor(LOBBY);
    this.online.set(nameKey(welcome.name), welcome.name);
    this.append(LOBBY, [this.info(`Welcome, ${welcome.name}! ${welcome.online} online.`, 'good', welcome.time)]);
    client.on('message', (message) => this.onServerMessage(message));
    client.on('invalid', (detail) => this.append(this.current(), [this.info(detail, 'bad')]));
    client.on('status', () => this.sendRooms());
    client.on('disconnected', ({ reason, retryInMs }) => {
      this.connection = { up: false, message: reason, ...(retryInMs === undefined ? {} : { retryInMs }), queued: this.queue.length };
      this.broadcast({ type: 'connection', connection: this.connection });
    });
    client.on('reconnected', (again) => {
      this.pacer = new SendPacer(again.limits);
      this.connection = { up: true, queued: this.queue.length };
      this.broadcast({ type: 'connection', connection: this.connection });
      this.append(this.current(), [this.info(`Reconnected as ${again.name}.`, 'good', again.time)]);
      this.askOnline();
      this.flushQueue();
    });
    client.on('closed', (info) => this.onClosed(client, info));
    this.setPhase('chat');
    this.askOnline();
  }

  private onClosed(client: ChatClient, info: { code: string; message: string }): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.pacer = undefined;
    if (this.leaving) return;
    const lost = this.queue.length;
    this.queue = [];
    this.ended = { code: info.code, message: lost > 0 ? `${info.message} ${lost} line(s) typed meanwhile were not sent.` : info.message };
    this.setPhase('ended');
  }

  /** End the chat and the program (the page's Leave, /exit, Ctrl-C). */
  leave(message = 'You left Party Pool. You can close this tab.'): void {
    if (this.leaving) return;
    this.leaving = true;
    this.client?.stop();
    this.broadcast({ type: 'goodbye', message });
    this.options.onLeave();
  }

  // ---- state --------------------------------------------------------------------------------

  private current(): string {
    return this.client ? this.display(this.client.rooms.current) : LOBBY;
  }

  private display(room: string): string {
    return this.logs.get(roomKey(room))?.name ?? this.client?.rooms.displayName(room) ?? room;
  }

  private logFor(room: string): RoomLog {
    const key = roomKey(room);
    let log = this.logs.get(key);
    if (!log) {
      log = { name: this.client?.rooms.displayName(room) ?? room, entries: [], unread: 0, mentioned: false, more: false, olderPending: false };
      this.logs.set(key, log);
    }
    return log;
  }

  private roomViews(): RoomView[] {
    const client = this.client;
    if (!client) return [];
    return [...client.rooms.rooms.values()].map((info) => {
      const log = this.logs.get(roomKey(info.name));
      return {
        name: info.name,
        private: info.private,
        ...(info.owner === undefined ? {} : { owner: info.owner }),
        unread: log?.unread ?? 0,
        mentioned: log?.mentioned ?? false,
        more: log?.more ?? false,
      };
    });
  }

  private chatView(): ChatView {
    const rooms = this.roomViews();
    const logs: Record<string, Entry[]> = {};
    for (const room of rooms) logs[room.name] = this.logs.get(roomKey(room.name))?.entries ?? [];
    return {
      me: this.client?.name ?? this.login.name,
      registered: this.client?.rooms.registered ?? false,
      current: this.current(),
      rooms,
      logs,
      online: [...this.online.values()].sort((a, b) => a.localeCompare(b)),
      connection: this.connection,
    };
  }

  private sendRooms(): void {
    if (this.phase !== 'chat') return;
    this.broadcast({ type: 'rooms', rooms: this.roomViews(), current: this.current() });
  }

  private sendOnline(): void {
    this.broadcast({ type: 'online', users: [...this.online.values()].sort((a, b) => a.localeCompare(b)) });
  }

  private info(text: string, tone: InfoTone, time?: string): Entry {
    return { kind: 'info', key: `e${++this.sequence}`, text, tone, ...(time === undefined ? {} : { time }) };
  }

  private append(room: string, entries: Entry[]): void {
    if (entries.length === 0) return;
    const log = this.logFor(room);
    log.entries.push(...entries);
    if (log.entries.length > MAX_LOG_ENTRIES) {
      log.entries.splice(0, log.entries.length - MAX_LOG_ENTRIES);
      log.more = true;
    }
    this.broadcast({ type: 'entries', room: log.name, entries, at: 'end' });
  }

  private isMention(text: string, from: string): boolean {
    const me = this.client?.name;
    if (!me || nameKey(from) === nameKey(me)) return false;
    return new RegExp(`(^|[^A-Za-z0-9_.-])@?${escapeRegExp(me)}(?![A-Za-z0-9_-])`, 'i').test(text);
  }

  private chatEntry(message: { id?: number | undefined; from: string; text: string; time: string }): Entry & { kind: 'chat' } {
    const mine = nameKey(message.from) === nameKey(this.client?.name ?? '');
    return {
      kind: 'chat',
      key: message.id === undefined ? `e${++this.sequence}` : `m${message.id}`,
      ...(message.id === undefined ? {} : { id: message.id }),
      from: message.from,
      text: message.text,
      time: message.time,
      mine,
      mention: this.isMention(message.text, message.from),
    };
  }

  /** Chat lines that arrived in a room: unread counts and mentions for rooms not shown. */
  private arrived(room: string, entries: (Entry & { kind: 'chat' })[], countUnread: boolean): void {
    const log = this.logFor(room);
    const shown = roomKey(room) === roomKey(this.current());
    let changed = false;
    for (const entry of entries) {
      if (entry.mine) continue;
      if (entry.mention) this.broadcast({ type: 'notify', room: log.name, from: entry.from, text: entry.text.slice(0, 200) });
      if (shown || !countUnread) continue;
      log.unread += 1;
      if (entry.mention) log.mentioned = true;
      changed = true;
    }
    if (changed) this.sendRooms();
  }

  private onServerMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'message': {
        const room = message.room ?? LOBBY;
        const entry = this.chatEntry(message);
        this.append(room, [entry]);
        this.arrived(room, [entry], true);
        return;
      }
      case 'history':
        return this.onHistory(message);
      case 'presence': {
        if (message.event === 'join') this.online.set(nameKey(message.name), message.name);
        else this.online.delete(nameKey(message.name));
        this.sendOnline();
        return this.showRendered(message, LOBBY);
      }
      case 'rename': {
        if (this.online.delete(nameKey(message.from))) this.online.set(nameKey(message.to), message.to);
        this.sendOnline();
        if (this.client && nameKey(message.to) === nameKey(this.client.name)) this.broadcast({ type: 'me', name: this.client.name, registered: this.client.rooms.registered });
        return this.showRendered(message, LOBBY);
      }
      case 'online': {
        const typed = this.onlineAsks.shift()?.typed ?? true;
        this.online.clear();
        for (const user of message.users) this.online.set(nameKey(user), user);
        this.sendOnline();
        if (typed) this.showRendered(message, this.current());
        return;
      }
      case 'rooms': {
        const typed = this.roomListAsks.shift()?.typed ?? true;
        if (typed) return this.showRendered(message, this.current());
        this.broadcast({ type: 'room-list', rooms: message.rooms.map((r) => ({ name: r.name, private: r.private, members: r.members, online: r.online, joined: r.joined })) });
        return;
      }
      case 'synced': {
        for (const room of message.rooms) this.logFor(room.name).name = room.name;
        for (const key of [...this.logs.keys()]) if (!message.rooms.some((r) => roomKey(r.name) === key)) this.logs.delete(key);
        if (this.client) this.broadcast({ type: 'me', name: this.client.name, registered: this.client.rooms.registered });
        this.sendRooms();
        return this.showRendered(message, LOBBY);
      }
      case 'joined': {
        this.logFor(message.room).name = message.room;
        const size = `${message.members} member${message.members === 1 ? '' : 's'}${message.max === undefined ? '' : `, room for ${message.max}`}`;
        const invite = message.invite === undefined ? '' : `\nInvite code for ${message.room}: ${message.invite}\nGive it only to people you want in: anyone with it can join.`;
        this.append(message.room, [this.info(`You are in ${message.room} (${size}).${invite}`, 'good')]);
        // A room joined from this app is the one the person wants to see.
        this.view(message.room);
        return;
      }
      case 'membership': {
        const mine = this.client && (message.event === 'delete' || nameKey(message.name) === nameKey(this.client.name));
        if (mine && message.event !== 'join') {
          this.logs.delete(roomKey(message.room));
          this.showRendered(message, this.current(), 'warn');
        } else this.showRendered(message, message.room);
        this.sendRooms();
        return;
      }
      case 'switched':
        return this.sendRooms();
      case 'account':
        if (this.client) this.broadcast({ type: 'me', name: this.client.name, registered: this.client.rooms.registered });
        return this.showRendered(message, this.current(), 'good');
      case 'notice':
        return this.showRendered(message, this.current(), message.from === 'root' ? 'root' : 'server');
      case 'error':
        return this.showRendered(message, this.current(), message.code === 'RATE_LIMITED' ? 'warn' : 'bad');
      case 'bye':
        return this.showRendered(message, this.current(), 'warn');
      case 'ack':
        return this.showRendered(message, this.current(), 'good');
      default:
        return this.showRendered(message, this.current());
    }
  }

  /** Anything without its own look: the terminal's plain-text rendering, inserted as text. */
  private showRendered(message: ServerMessage, room: string, tone: InfoTone = 'plain'): void {
    this.render.currentRoom = this.client?.rooms.current;
    const rendered = renderEvent(message, this.render);
    if (rendered === undefined) return;
    // The page shows each line's time itself.
    const text = rendered.replace(/^\[\d\d:\d\d:\d\d\] /, '');
    this.append(room, [this.info(text, tone, 'time' in message ? message.time : undefined)]);
  }

  private onHistory(message: ServerMessageOf<'history'>): void {
    const log = this.logFor(message.room);
    const entries = message.messages.map((m) => this.chatEntry(m));
    const truncated = message.truncated ? [this.info(`Some messages in ${log.name} are no longer stored (older than the server keeps).`, 'warn')] : [];
    if (message.reason === 'older') {
      log.olderPending = false;
      if (message.more !== undefined) log.more = message.more;
      else if (entries.length === 0) log.more = false;
      log.entries.unshift(...entries);
      this.broadcast({ type: 'entries', room: log.name, entries, at: 'start', more: log.more });
      this.sendRooms();
      return;
    }
    // The first screenful of a room: whether scrolling up can find more.
    if (message.more !== undefined && log.entries.every((entry) => entry.kind !== 'chat')) log.more = message.more;
    this.append(message.room, [...truncated, ...entries]);
    this.arrived(message.room, entries, message.reason === 'resume');
    if (message.more !== undefined) this.sendRooms();
  }

  // ---- what the page asks -------------------------------------------------------------------

  private paced(kind: 'say' | 'command', send: () => Promise<boolean>): Promise<boolean | 'not-sent'> {
    const pacer = this.pacer;
    const client = this.client;
    if (!pacer || !client) return Promise.resolve('not-sent');
    return pacer.schedule(kind, () => (client.connected ? send().catch(() => 'not-sent' as const) : 'not-sent'));
  }

  /** Send a command whose answer (`online`, `rooms`) is matched to its ask in request order. */
  private asked(asks: Ask[], typed: boolean, send: () => Promise<boolean>): Promise<boolean | 'not-sent'> {
    const ask: Ask = { typed };
    asks.push(ask);
    return this.paced('command', send).then((answered) => {
      // Answered by an error (or never): no reply of that type will take this ask off the queue.
      const index = asks.indexOf(ask);
      if (index >= 0) asks.splice(index, 1);
      return answered;
    });
  }

  private askOnline(): void {
    const client = this.client;
    if (client) void this.asked(this.onlineAsks, false, () => client.command('online', ''));
  }

  private removeEntry(room: string, key: string): void {
    const log = this.logs.get(roomKey(room));
    const index = log ? log.entries.findIndex((entry) => entry.key === key) : -1;
    if (log && index >= 0) log.entries.splice(index, 1);
    this.broadcast({ type: 'remove', room: this.display(room), keys: [key] });
  }

  /** The page shows `room` now: plain lines go there, its unread count resets. */
  private view(room: string): void {
    const client = this.client;
    if (!client) return;
    const log = this.logs.get(roomKey(room));
    if (log) {
      log.unread = 0;
      log.mentioned = false;
    }
    if (roomKey(client.rooms.current) !== roomKey(room) && client.connected && [...client.rooms.rooms.keys()].includes(roomKey(room))) {
      void this.paced('command', () => client.command('switch', room));
    }
    this.sendRooms();
  }

  private loadOlder(page: PageLink, room: string): void {
    const client = this.client;
    const log = this.logs.get(roomKey(room));
    if (!client || !log || log.olderPending || !log.more) return;
    if (!client.connected) return this.problem(page, 'NOT_CONNECTED', 'Not connected right now; older messages load once the connection is back.');
    const oldest = log.entries.find((entry): entry is Entry & { kind: 'chat'; id: number } => entry.kind === 'chat' && entry.id !== undefined);
    const args = quoteWords([log.name, String(OLDER_PAGE), ...(oldest ? ['--before', String(oldest.id)] : [])]);
    log.olderPending = true;
    void this.paced('command', () => client.command('history', args)).then(() => (log.olderPending = false));
  }

  /** A line from the message box, for the room the page shows. */
  private typed(room: string, text: string): void {
    const client = this.client;
    if (!client) return;
    if (!client.connected) {
      const input = parseInputLine(text);
      if (input.kind === 'empty') return;
      if (input.kind === 'command' && (input.name === 'exit' || input.name === 'quit')) return this.leave();
      if (this.queue.length >= MAX_QUEUED_LINES) return this.append(room, [this.info(`Already ${MAX_QUEUED_LINES} lines are waiting to be sent; that one was not kept.`, 'warn')]);
      const queued: QueuedLine = { key: `q${++this.sequence}`, room, text };
      this.queue.push(queued);
      this.append(room, [{ kind: 'queued', key: queued.key, text }]);
      this.connection = { ...this.connection, queued: this.queue.length };
      this.broadcast({ type: 'connection', connection: this.connection });
      return;
    }
    if (roomKey(client.rooms.current) !== roomKey(room) && client.rooms.rooms.has(roomKey(room))) this.view(room);
    void this.line(text);
  }

  /** Send what was typed while the connection was down, in order. */
  private flushQueue(): void {
    const lines = this.queue;
    this.queue = [];
    for (const queued of lines) {
      const client = this.client;
      if (!client) return;
      if (roomKey(client.rooms.current) !== roomKey(queued.room) && client.rooms.rooms.has(roomKey(queued.room))) this.view(queued.room);
      void this.line(queued.text)?.then((result) => {
        if (result === 'not-sent') {
          // Down again before its turn came: keep it for the next reconnect.
          this.queue.push(queued);
          this.connection = { ...this.connection, queued: this.queue.length };
          this.broadcast({ type: 'connection', connection: this.connection });
          return;
        }
        this.removeEntry(queued.room, queued.key);
        if (result === false) this.append(queued.room, [this.info(`The connection dropped before the server confirmed: ${queued.text}`, 'warn')]);
      });
    }
    this.connection = { ...this.connection, queued: this.queue.length };
    this.broadcast({ type: 'connection', connection: this.connection });
  }

  /** One line of input (text or /command), as the terminal would take it. */
  private line(text: string, page?: PageLink): Promise<boolean | 'not-sent'> | undefined {
    const client = this.client;
    if (!client) return undefined;
    if (!client.connected) {
      if (page) this.problem(page, 'NOT_CONNECTED', 'Not connected right now; try again once the connection is back.');
      return Promise.resolve('not-sent');
    }
    const input = parseInputLine(text);
    if (input.kind === 'empty') return undefined;
    if (input.kind === 'say') return this.paced('say', () => client.say(input.text));
    const name = input.name;
    if (name === 'exit' || name === 'quit') {
      this.leave();
      return undefined;
    }
    if (name === 'register' || name === 'password') {
      if (input.args.trim() !== '') {
        this.append(this.current(), [this.info(`Type /${name} alone: the page then asks for the password in a hidden field. Nothing was sent.`, 'warn')]);
        return undefined;
      }
      if (name === 'register' && client.rooms.registered) {
        this.append(this.current(), [this.info(`${client.name} is already registered; /password changes the password.`, 'warn')]);
        return undefined;
      }
      if (name === 'password' && !client.rooms.registered) {
        this.append(this.current(), [this.info('Your name is not registered; /register sets a password.', 'warn')]);
        return undefined;
      }
      this.broadcast({ type: 'account-form', action: name });
      return undefined;
    }
    if (name === 'online') return this.asked(this.onlineAsks, true, () => client.command(name, input.args));
    if (name === 'rooms') return this.asked(this.roomListAsks, true, () => client.command(name, input.args));
    return this.paced('command', () => client.command(name, input.args));
  }
}
