// The bridge between the browser page and the pinned chat connection. The page never talks to
// the Party Pool server: it sends validated requests here (src/gui/protocol.ts), and this side
// drives the same ChatClient the terminal uses (pinned TLS, passkey proof, reconnects). The
// bridge keeps the state a page needs to draw itself (rooms, logs, who is online, the
// connection), so a reloaded or second tab gets all of it in its first frame.
import os from 'node:os';
import { config } from '../../config.js';
import { ErrorCodes, PartyPoolError } from '../common/errors.js';
import { formatSize } from '../common/sizes.js';
import { renderDirectEvent, renderEvent, type RenderOptions } from '../cli/render.js';
import type { TransferNotice, TransferView } from '../cli/file-view.js';
import { makeChalk } from '../cli/style.js';
import { ChatClient } from '../link/chat-client.js';
import type { DirectOptions } from '../link/direct-chat.js';
import { FileTransfers } from '../link/file-transfers.js';
import type { DirectEvent } from '../protocol/direct-events.js';
import { FILES_PROTOCOL_VERSION } from '../protocol/files.js';
import { type Credentials, type Welcome } from '../link/login.js';
import { ServerRefusal } from '../link/server-link.js';
import type { PinnedTarget } from '../link/pin.js';
import { SendPacer } from '../link/send-pacer.js';
import { parseInputLine } from '../link/input-line.js';
import type { ServerMessage, ServerMessageOf } from '../protocol/messages.js';
import { checkName, nameKey } from '../protocol/names.js';
import { LOBBY, roomKey } from '../protocol/rooms.js';
import { quoteWords } from '../protocol/words.js';
import { GUI_PROTOCOL_VERSION, type BridgeEvent, type ChatView, type ConnectionView, type Entry, type InfoTone, type LoginView, type PageMessage, type PersonView, type Phase, type RoomView, type TransferRow } from './protocol.js';
import { PageUploads, type ReceivedFile } from './uploads.js';

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
  /** This device's profile (keys, conversations): direct messages. Without it they are off. */
  direct?: DirectOptions | undefined;
  /** Sentences about the profile said before the chat (a folder's permissions tightened). */
  notices?: readonly string[] | undefined;
  /** Where downloads are saved (the Downloads folder, as in the terminal). */
  downloadsDir: string;
  /** Where uploads from the page wait while they are sent (default: the system's temporary folder). */
  uploadDir?: string | undefined;
  /** The largest file the page may upload (default: the server's default limit). */
  maxUploadBytes?: number | undefined;
}

/** Uploads received from pages or being sent, at once. */
const MAX_PENDING_UPLOADS = 4;
/** Direct messages loaded per page of a conversation. */
const DIRECT_PAGE = 50;

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
  /** A conversation's log: loaded from the store (index of its first entry there), or not yet. */
  storeStart?: number;
}

/** An upload from a page, handed to FileTransfers. */
interface PageUpload {
  page: PageLink;
  upload: number;
  place: string;
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
  private transfers: FileTransfers | undefined;
  private transferRows: TransferRow[] = [];
  /** The conversation the page shows instead of a room. */
  private shownDirect: string | undefined;
  /** Key-change warnings per person (name key), until verified again. */
  private readonly keyWarnings = new Map<string, string>();
  /** People the page opened a conversation with before any message (name key -> name). */
  private readonly started = new Map<string, string>();
  /** Where a download's outcome is said (file id -> log). */
  private readonly downloads = new Map<number, string>();
  readonly uploads: PageUploads<PageLink>;
  private readonly maxUploadBytes: number;

  constructor(private readonly options: BridgeOptions) {
    this.login = { askPasskey: options.passkey === undefined, name: options.name ?? '', askPassword: false, register: false };
    this.maxUploadBytes = options.maxUploadBytes ?? config.files.maxFileBytes;
    this.uploads = new PageUploads<PageLink>(options.uploadDir ?? os.tmpdir(), { maxBytes: this.maxUploadBytes, maxPending: MAX_PENDING_UPLOADS }, {
      progress: (page, upload, received) => page.send({ type: 'upload', upload, state: 'receiving', received }),
      failed: (page, upload, code, message) => page.send({ type: 'upload', upload, state: 'refused', received: 0, code, message }),
      complete: (page, upload, file) => {
        // An upload whose place is gone (cancelled, or its page left) is thrown away: never sent somewhere else.
        const place = this.uploadPlaces.get(page)?.get(upload);
        if (place === undefined) void file.discard();
        else this.uploaded({ page, upload, place }, file);
      },
    });
  }

  /** Where each page's uploads go, until handed over (page -> upload -> room or '@name'). */
  private readonly uploadPlaces = new Map<PageLink, Map<number, string>>();

  /** A page connected: it gets everything it needs to draw itself. */
  attach(page: PageLink): void {
    this.pages.add(page);
    page.send({ type: 'hello', version: GUI_PROTOCOL_VERSION, ...this.phaseView() });
  }

  detach(page: PageLink): void {
    this.pages.delete(page);
    this.uploads.dropPage(page);
    this.uploadPlaces.delete(page);
  }

  /** A binary message from a page: an upload's bytes. Undefined when taken, or why not. */
  binary(page: PageLink, data: Buffer): string | undefined {
    return this.uploads.data(page, data);
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
      case 'open-direct':
        return this.openDirect(page, message.name);
      case 'direct-send':
        if (!client.direct) return this.problem(page, 'DEVICE_REQUIRED', 'Direct messages are off in this program (it has no profile folder).');
        return this.typed(`@${message.to}`, message.text);
      case 'direct-older':
        return this.directOlder(message.name);
      case 'verify':
        void this.line(`/verify ${message.name}${message.confirm ? ' confirm' : ''}`, page);
        return;
      case 'block':
        void this.line(`/${message.block ? 'block' : 'unblock'} ${message.name}`, page)?.then(() => this.sendPeople());
        return;
      case 'upload-start':
        return this.startUpload(page, message);
      case 'upload-cancel':
        this.uploadPlaces.get(page)?.delete(message.upload);
        return this.uploads.cancel(page, message.upload);
      case 'download':
        return this.download(page, message.file);
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
        ...(this.options.direct ? { direct: this.options.direct } : {}),
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
    client.on('invalid', (detail) => this.append(this.here(), [this.info(detail, 'bad')]));
    client.on('status', () => this.sendRooms());
    client.on('disconnected', ({ reason, retryInMs }) => {
      this.connection = { up: false, message: reason, ...(retryInMs === undefined ? {} : { retryInMs }), queued: this.queue.length };
      this.broadcast({ type: 'connection', connection: this.connection });
    });
    client.on('reconnected', (again) => {
      this.pacer = new SendPacer(again.limits);
      this.connection = { up: true, queued: this.queue.length };
      this.broadcast({ type: 'connection', connection: this.connection });
      this.append(this.here(), [this.info(`Reconnected as ${again.name}.`, 'good', again.time)]);
      this.askOnline();
      this.flushQueue();
    });
    client.on('closed', (info) => this.onClosed(client, info));
    client.on('direct', (event) => this.onDirect(event));
    this.shownDirect = undefined;
    this.keyWarnings.clear();
    this.started.clear();
    this.downloads.clear();
    this.transferRows = [];
    this.transfers?.close();
    const transfers = new FileTransfers(client, { downloadsDir: this.options.downloadsDir, lingerMs: 1500, progressIntervalMs: 250, direct: client.directFiles });
    this.transfers = transfers;
    transfers.on('progress', (views) => this.onTransfers(views));
    transfers.on('notice', (notice) => this.onTransferNotice(notice));
    for (const text of this.options.notices ?? []) this.append(LOBBY, [this.info(text, 'warn')]);
    this.setPhase('chat');
    this.askOnline();
  }

  private onClosed(client: ChatClient, info: { code: string; message: string }): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.pacer = undefined;
    this.transfers?.close();
    this.transfers = undefined;
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
    this.transfers?.close();
    this.uploads.close();
    this.client?.stop();
    this.broadcast({ type: 'goodbye', message });
    this.options.onLeave();
  }

  // ---- state --------------------------------------------------------------------------------

  private current(): string {
    return this.client ? this.display(this.client.rooms.current) : LOBBY;
  }

  /** Where the person looks: the shown conversation ('@name'), or the current room. */
  private here(): string {
    return this.shownDirect !== undefined ? `@${this.shownDirect}` : this.current();
  }

  private display(room: string): string {
    return this.logs.get(roomKey(room))?.name ?? this.client?.rooms.displayName(room) ?? room;
  }

  private logFor(room: string): RoomLog {
    const key = roomKey(room);
    let log = this.logs.get(key);
    if (!log) {
      log = { name: room.startsWith('@') ? room : (this.client?.rooms.displayName(room) ?? room), entries: [], unread: 0, mentioned: false, more: false, olderPending: false };
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
    for (const log of this.logs.values()) if (log.name.startsWith('@')) logs[log.name] = log.entries;
    return {
      me: this.client?.name ?? this.login.name,
      registered: this.client?.rooms.registered ?? false,
      current: this.current(),
      rooms,
      logs,
      online: [...this.online.values()].sort((a, b) => a.localeCompare(b)),
      connection: this.connection,
      people: this.peopleView(),
      direct: this.shownDirect ?? null,
      transfers: this.transferRows,
      maxUploadBytes: this.maxUploadBytes,
    };
  }

  private sendRooms(): void {
    if (this.phase !== 'chat') return;
    this.broadcast({ type: 'rooms', rooms: this.roomViews(), current: this.current() });
  }

  private sendOnline(): void {
    this.broadcast({ type: 'online', users: [...this.online.values()].sort((a, b) => a.localeCompare(b)) });
    // The conversation list marks who is online.
    if (this.client?.direct) this.sendPeople();
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
    const shown = this.shownDirect === undefined && roomKey(room) === roomKey(this.current());
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
        if (typed) this.showRendered(message, this.here());
        return;
      }
      case 'rooms': {
        const typed = this.roomListAsks.shift()?.typed ?? true;
        if (typed) return this.showRendered(message, this.here());
        this.broadcast({ type: 'room-list', rooms: message.rooms.map((r) => ({ name: r.name, private: r.private, members: r.members, online: r.online, joined: r.joined })) });
        return;
      }
      case 'synced': {
        for (const room of message.rooms) this.logFor(room.name).name = room.name;
        for (const key of [...this.logs.keys()]) if (!key.startsWith('@') && !message.rooms.some((r) => roomKey(r.name) === key)) this.logs.delete(key);
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
          this.showRendered(message, this.here(), 'warn');
        } else this.showRendered(message, message.room);
        this.sendRooms();
        return;
      }
      case 'switched':
        return this.sendRooms();
      case 'file': {
        // A file described in answer to a request, or sent to one person (its name is in the direct message): not a room's line.
        if (message.ref !== undefined || message.to !== undefined) return;
        const room = message.room ?? LOBBY;
        this.append(room, [{ kind: 'file', key: `f${message.id}`, id: message.id, from: message.from, name: message.name, size: message.size, time: message.time, mine: nameKey(message.from) === nameKey(this.client?.name ?? '') }]);
        return;
      }
      case 'account':
        if (this.client) this.broadcast({ type: 'me', name: this.client.name, registered: this.client.rooms.registered });
        return this.showRendered(message, this.here(), 'good');
      case 'notice':
        return this.showRendered(message, this.here(), message.from === 'root' ? 'root' : 'server');
      case 'error':
        return this.showRendered(message, this.here(), message.code === 'RATE_LIMITED' ? 'warn' : 'bad');
      case 'bye':
        return this.showRendered(message, this.here(), 'warn');
      case 'ack':
        return this.showRendered(message, this.here(), 'good');
      default:
        return this.showRendered(message, this.here());
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
    if (this.shownDirect !== undefined) {
      this.shownDirect = undefined;
      this.sendPeople();
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
    if (room.startsWith('@')) {
      void this.line(text, undefined, room.slice(1));
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
      const to = queued.room.startsWith('@') ? queued.room.slice(1) : undefined;
      if (to === undefined && roomKey(client.rooms.current) !== roomKey(queued.room) && client.rooms.rooms.has(roomKey(queued.room))) this.view(queued.room);
      void this.line(queued.text, undefined, to)?.then((result) => {
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
  private line(text: string, page?: PageLink, to?: string): Promise<boolean | 'not-sent'> | undefined {
    const client = this.client;
    if (!client) return undefined;
    if (!client.connected) {
      if (page) this.problem(page, 'NOT_CONNECTED', 'Not connected right now; try again once the connection is back.');
      return Promise.resolve('not-sent');
    }
    const input = parseInputLine(text);
    if (input.kind === 'empty') return undefined;
    // A plain line in a conversation is a direct message (sealed to their devices); commands work as anywhere.
    if (input.kind === 'say') return this.paced('say', () => (to === undefined ? client.say(input.text) : client.sendDirect(to, input.text)));
    const name = input.name;
    if (name === 'exit' || name === 'quit') {
      this.leave();
      return undefined;
    }
    if (name === 'register' || name === 'password') {
      if (input.args.trim() !== '') {
        this.append(this.here(), [this.info(`Type /${name} alone: the page then asks for the password in a hidden field. Nothing was sent.`, 'warn')]);
        return undefined;
      }
      if (name === 'register' && client.rooms.registered) {
        this.append(this.here(), [this.info(`${client.name} is already registered; /password changes the password.`, 'warn')]);
        return undefined;
      }
      if (name === 'password' && !client.rooms.registered) {
        this.append(this.here(), [this.info('Your name is not registered; /register sets a password.', 'warn')]);
        return undefined;
      }
      this.broadcast({ type: 'account-form', action: name });
      return undefined;
    }
    if (name === 'online') return this.asked(this.onlineAsks, true, () => client.command(name, input.args));
    if (name === 'rooms') return this.asked(this.roomListAsks, true, () => client.command(name, input.args));
    return this.paced('command', () => client.command(name, input.args));
  }

  // ---- direct conversations -----------------------------------------------------------------

  /** The conversation list: the profile's conversations, and people opened but not yet written to. */
  private peopleView(): PersonView[] | null {
    const direct = this.client?.direct;
    if (!direct) return null;
    const contacts = direct.account?.contacts;
    const rows = new Map<string, PersonView>();
    const person = (name: string, unread: number, last?: string): PersonView => {
      const key = nameKey(name);
      const warning = this.keyWarnings.get(key);
      return {
        name,
        unread: this.shownDirect !== undefined && nameKey(this.shownDirect) === key ? 0 : unread,
        ...(last === undefined ? {} : { last }),
        online: this.online.has(key),
        blocked: contacts?.isBlocked(name) ?? false,
        ...(warning === undefined ? {} : { keyWarning: warning }),
      };
    };
    for (const summary of direct.listConversations()) rows.set(nameKey(summary.peer), person(summary.peer, summary.unread, summary.lastTime));
    for (const [key, name] of this.started) if (!rows.has(key)) rows.set(key, person(name, 0));
    for (const name of contacts?.blocked() ?? []) if (!rows.has(nameKey(name))) rows.set(nameKey(name), person(name, 0));
    return [...rows.values()];
  }

  private sendPeople(): void {
    if (this.phase !== 'chat') return;
    this.broadcast({ type: 'people', people: this.peopleView(), direct: this.shownDirect ?? null });
  }

  /** A conversation's stored messages as log entries (files get a Download button). */
  private directEntries(entries: readonly { id: string; direction: 'in' | 'out'; time: string; payload: { kind: 'text'; from: string; text: string } | { kind: 'file'; from: string; file: { id: string; name: string; size: number } } }[]): Entry[] {
    return entries.map((entry) => {
      const mine = entry.direction === 'out';
      if (entry.payload.kind === 'file') {
        const id = Number(entry.payload.file.id);
        return { kind: 'file', key: `d${entry.id}`, id: Number.isSafeInteger(id) ? id : 0, from: entry.payload.from, name: entry.payload.file.name, size: entry.payload.file.size, time: entry.time, mine };
      }
      return { kind: 'chat', key: `d${entry.id}`, from: entry.payload.from, text: entry.payload.text, time: entry.time, mine, mention: false };
    });
  }

  /** The page shows the conversation with `name`: its last messages from this device's store. */
  private openDirect(page: PageLink, name: string): void {
    const client = this.client;
    const direct = client?.direct;
    if (!client || !direct) return this.problem(page, 'DEVICE_REQUIRED', 'Direct messages are off in this program (it has no profile folder).');
    if (nameKey(name) === nameKey(client.name)) return this.problem(page, 'INVALID_ARGUMENT', 'A direct conversation is with someone else.');
    const summary = direct.listConversations().find((c) => nameKey(c.peer) === nameKey(name));
    const shown = summary?.peer ?? this.started.get(nameKey(name)) ?? name;
    if (!summary) this.started.set(nameKey(name), shown);
    const place = `@${shown}`;
    const log = this.logFor(place);
    if (log.storeStart === undefined) {
      const history = direct.conversation(shown, DIRECT_PAGE);
      log.storeStart = history?.start ?? 0;
      log.more = history?.more ?? false;
      const entries = this.directEntries(history?.entries ?? []);
      const known = new Set(log.entries.map((entry) => entry.key));
      const fresh = entries.filter((entry) => !known.has(entry.key));
      log.entries.unshift(...fresh);
      this.broadcast({ type: 'entries', room: log.name, entries: fresh, at: 'start', more: log.more });
    }
    this.shownDirect = shown;
    direct.markRead(shown);
    this.sendPeople();
  }

  private directOlder(name: string): void {
    const direct = this.client?.direct;
    const log = this.logs.get(roomKey(`@${name}`));
    if (!direct || !log || log.storeStart === undefined || !log.more) return;
    const history = direct.conversation(name.replace(/^@/, ''), DIRECT_PAGE, log.storeStart);
    log.storeStart = history?.start ?? 0;
    log.more = history?.more ?? false;
    const known = new Set(log.entries.map((entry) => entry.key));
    const entries = this.directEntries(history?.entries ?? []).filter((entry) => !known.has(entry.key));
    log.entries.unshift(...entries);
    this.broadcast({ type: 'entries', room: log.name, entries, at: 'start', more: log.more });
  }

  private onDirect(event: DirectEvent): void {
    const direct = this.client?.direct;
    switch (event.type) {
      case 'direct': {
        const peer = event.direction === 'in' ? event.from : event.to;
        const log = this.logs.get(roomKey(`@${peer}`));
        this.started.delete(nameKey(peer));
        const shown = this.shownDirect !== undefined && nameKey(this.shownDirect) === nameKey(peer);
        // A log not loaded yet reads the store when opened (the message is in it already).
        if (log?.storeStart !== undefined) {
          const stored = direct?.conversation(peer, 5)?.entries.find((entry) => entry.id === event.id);
          const entries = stored ? this.directEntries([stored]) : [{ kind: 'chat' as const, key: `d${event.id}`, from: event.from, text: event.text, time: event.time, mine: event.direction === 'out', mention: false }];
          if (!log.entries.some((entry) => entry.key === entries[0]?.key)) this.append(log.name, entries);
        }
        if (shown) direct?.markRead(peer);
        if (event.direction === 'in' && !event.stored) this.broadcast({ type: 'notify', room: `@${event.from}`, from: event.from, text: (event.file ? `sent a file: ${event.file.name}` : event.text).slice(0, 200), direct: true });
        return this.sendPeople();
      }
      case 'key-changed': {
        const text = event.self
          ? `Your own account's devices changed (${event.added.length} added, ${event.removed.length} removed). If you did not add or remove a device, someone else may have your password.`
          : `${event.name}'s keys changed (${event.status === 'new-device' ? 'a new device' : event.status === 'removed-device' ? 'a device was removed' : 'their devices changed'}). ${event.wasVerified ? 'You had verified them: nothing more can be sent until you compare the safety number again and confirm it.' : 'If you did not expect this, compare the safety number with them (in person or by phone) before you trust new messages.'}`;
        if (event.self) {
          this.append(this.here(), [this.info(text, 'bad')]);
          return;
        }
        this.keyWarnings.set(nameKey(event.name), text);
        if (this.logs.get(roomKey(`@${event.name}`))) this.append(`@${event.name}`, [this.info(text, 'bad')]);
        return this.sendPeople();
      }
      case 'safety-number': {
        if (event.confirmed) {
          this.keyWarnings.delete(nameKey(event.name));
          this.append(this.here(), [this.info(`You marked ${event.name}'s safety number as compared: ${event.name} is verified on this device.`, 'good')]);
          this.sendPeople();
        }
        this.broadcast({ type: 'safety-number', safety: { name: event.name, number: event.number, verified: event.verified } });
        return;
      }
      default: {
        // /msg alone, /history @name, notices: the terminal's plain text, where the person looks.
        const rendered = renderDirectEvent(event, this.render);
        if (rendered !== undefined && rendered !== '') this.append(this.here(), [this.info(rendered.replace(/^\[\d\d:\d\d:\d\d\] /, ''), event.type === 'direct-notice' ? 'warn' : 'plain')]);
      }
    }
  }

  // ---- files --------------------------------------------------------------------------------

  private startUpload(page: PageLink, message: Extract<PageMessage, { type: 'upload-start' }>): void {
    const client = this.client;
    const refuse = (code: string, text: string): void => page.send({ type: 'upload', upload: message.upload, state: 'refused', received: 0, code, message: text });
    if (!client || client.protocol < FILES_PROTOCOL_VERSION) return refuse('CLIENT_TOO_OLD', 'This server does not take files (it needs a newer server, protocol 3).');
    if ((message.room === undefined) === (message.to === undefined)) return refuse('BAD_MESSAGE', 'An upload goes to a room or to one person.');
    const place = message.to !== undefined ? `@${message.to}` : (message.room ?? LOBBY);
    const places = this.uploadPlaces.get(page) ?? new Map<number, string>();
    const refusal = this.uploads.start(page, message.upload, message.name, message.size);
    if (refusal) return refuse(refusal.code, refusal.message);
    places.set(message.upload, place);
    this.uploadPlaces.set(page, places);
  }

  /** A page's upload is on disk: FileTransfers sends it like `/send`, then the copy goes. */
  private uploaded(upload: PageUpload, file: ReceivedFile): void {
    this.uploadPlaces.get(upload.page)?.delete(upload.upload);
    const transfers = this.transfers;
    if (!transfers) {
      void file.discard();
      upload.page.send({ type: 'upload', upload: upload.upload, state: 'refused', received: 0, code: 'NOT_CONNECTED', message: 'The chat ended before the file could be sent.' });
      return;
    }
    upload.page.send({ type: 'upload', upload: upload.upload, state: 'sending', received: file.size });
    const destination = upload.place.startsWith('@') ? { to: upload.place.slice(1) } : { room: upload.place };
    const known = new Set(transfers.views().map((view) => view.key));
    const sending = transfers.send(file.path, destination);
    // The job FileTransfers just queued (send() adds it synchronously).
    const job = transfers.views().find((view) => !known.has(view.key))?.key;
    void sending.then(() => {
      const failed = job === undefined || transfers.views().find((view) => view.key === job)?.phase !== 'done';
      upload.page.send({ type: 'upload', upload: upload.upload, state: failed ? 'refused' : 'done', received: file.size, ...(failed ? { code: 'NOT_SENT', message: `${file.name} was not sent (the reason is in the chat).` } : {}) });
      return file.discard();
    });
  }

  private download(page: PageLink, id: number): void {
    const transfers = this.transfers;
    const client = this.client;
    if (!transfers || !client) return this.problem(page, 'NOT_NOW', 'Log in first.');
    if (client.protocol < FILES_PROTOCOL_VERSION) return this.problem(page, 'CLIENT_TOO_OLD', 'This server does not take files (it needs a newer server, protocol 3).');
    this.downloads.set(id, this.here());
    void transfers.get(id);
  }

  private onTransfers(views: TransferView[]): void {
    this.transferRows = views.map((view) => ({ key: view.key, direction: view.direction, name: view.name, size: view.size, done: view.done, phase: view.phase }));
    this.broadcast({ type: 'transfers', transfers: this.transferRows });
  }

  private onTransferNotice(notice: TransferNotice): void {
    switch (notice.type) {
      case 'saved': {
        const place = this.downloads.get(notice.id) ?? this.here();
        this.downloads.delete(notice.id);
        this.append(place, [this.info(`Saved ${notice.name} (${formatSize(notice.size)}) to ${notice.path}`, 'good')]);
        return;
      }
      case 'sent':
        // A room shows the file itself (the server's `file`); to one person, the direct message does.
        return;
      case 'file': {
        // A file this device sent to one person: shown in that conversation like a shared file.
        const log = this.logs.get(roomKey(`@${notice.to}`));
        if (log?.storeStart !== undefined) this.append(log.name, [{ kind: 'file', key: `f${notice.id}`, id: notice.id, from: notice.from, name: notice.name, size: notice.size, time: notice.time, mine: true }]);
        return;
      }
      case 'error': {
        const place = notice.id !== undefined ? (this.downloads.get(notice.id) ?? this.here()) : this.here();
        if (notice.id !== undefined) this.downloads.delete(notice.id);
        this.append(place, [this.info(notice.message, 'bad')]);
        return;
      }
    }
  }
}
