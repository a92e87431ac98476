// How server events look to a person (text) or a program (--json). Pure: returns strings.
import type { ChalkInstance } from 'chalk';
import type { DirectEvent, DirectMessageEvent, KeyChangedEvent, SafetyNumberEvent } from '../protocol/direct-events.js';
import type { ServerMessage, StoredMessage } from '../protocol/messages.js';
import { jsonDirectFile, jsonSharedFile, renderDirectFile, renderFileList, renderSharedFile } from './file-view.js';
import { NOTICE_MARK, sanitizeForTerminal } from './sanitize.js';
import { box, colorForName } from './style.js';
import { displayWidth, padToWidth, renderTable } from './table.js';

export interface RenderOptions {
  chalk: ChalkInstance;
  color: boolean;
  /** Use boxes for lists (interactive screen); line mode prints plain lines. */
  boxes: boolean;
  /** Where plain lines go: messages from other rooms are labelled with their room. */
  currentRoom?: string;
  /**
   * Date lines: set on a screen or in line mode, so a message from another day than the one shown
   * before it gets "── Tuesday, 3 March 2026 ──" above it. `today` is the local date's key.
   */
  days?: { last?: string; today: () => string };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/** A date's local day as a key: "2026-03-03". */
export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Today's key, for RenderOptions.days. */
export const todayKey = (): string => dayKey(new Date());

/** The date line above a message from another day than the last one shown (none for today's first). */
function dayLine(time: string, options: RenderOptions): string | undefined {
  const days = options.days;
  const date = new Date(time);
  if (!days || Number.isNaN(date.getTime())) return undefined;
  const key = dayKey(date);
  const previous = days.last ?? days.today();
  days.last = key;
  if (key === previous) return undefined;
  const label = key === days.today() ? 'Today' : `${WEEKDAYS[date.getDay()] ?? ''}, ${date.getDate()} ${MONTHS[date.getMonth()] ?? ''} ${date.getFullYear()}`;
  return options.chalk.dim(`── ${label} ──`);
}

function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return date.toTimeString().slice(0, 8);
}

/** "#games " when `room` is not the room the user is looking at; "" otherwise. */
function roomLabel(room: string | undefined, options: RenderOptions): string {
  if (room === undefined || room.toLowerCase() === (options.currentRoom ?? '#lobby').toLowerCase()) return '';
  return options.chalk.magenta(sanitizeForTerminal(room)) + ' ';
}

function chatLine(message: { from: string; text: string; time: string }, room: string | undefined, options: RenderOptions): string {
  const c = options.chalk;
  const line = `${c.dim(`[${clock(message.time)}]`)} ${roomLabel(room, options)}${colorForName(c, message.from).bold(sanitizeForTerminal(message.from))}: ${sanitizeForTerminal(message.text)}`;
  const day = dayLine(message.time, options);
  return day === undefined ? line : `${day}\n${line}`;
}

const HISTORY_HEADINGS = { older: 'from the history of', resume: 'missed while you were away, in', join: 'recent messages in', recent: 'recent messages in' } as const;

function renderHistory(message: Extract<ServerMessage, { type: 'history' }>, options: RenderOptions): string | undefined {
  const c = options.chalk;
  const room = sanitizeForTerminal(message.room);
  const lines: string[] = [];
  if (message.messages.length > 0) lines.push(c.dim(`── ${HISTORY_HEADINGS[message.reason]} ${room} ──`));
  if (message.truncated) lines.push(c.yellow(`Some messages in ${room} are no longer stored (older than the server keeps).`));
  lines.push(...message.messages.map((m: StoredMessage) => chatLine(m, message.room, options)));
  if (message.reason === 'older' && message.ref !== undefined) {
    if (message.messages.length === 0) lines.push(c.dim(`No older messages in ${room}.`));
    else if (message.more === false) lines.push(c.dim(`── start of ${room} ──`));
    else lines.push(c.dim(`── /history more shows earlier messages ──`));
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function renderMembership(message: Extract<ServerMessage, { type: 'membership' }>, options: RenderOptions): string {
  const c = options.chalk;
  const [name, room, by] = [sanitizeForTerminal(message.name), sanitizeForTerminal(message.room), sanitizeForTerminal(message.by ?? '')];
  const time = `[${clock(message.time)}]`;
  switch (message.event) {
    case 'join':
      return c.dim(`${time} --> ${name} joined ${room}`);
    case 'leave':
      return c.dim(`${time} <-- ${name} left ${room}`);
    case 'kick':
      return c.yellow(`${time} <-- ${name} was removed from ${room}${by ? ` by ${by}` : ''}`);
    case 'delete':
      return c.yellow(`${time} *** ${room} was deleted${by ? ` by ${by}` : ''}`);
  }
}

function renderRooms(message: Extract<ServerMessage, { type: 'rooms' }>, options: RenderOptions): string {
  const c = options.chalk;
  const width = Math.max(...message.rooms.map((r) => displayWidth(sanitizeForTerminal(r.name))), 5);
  const lines = message.rooms.map((r) => {
    const kind = r.private ? 'invite-only' : 'public';
    const cap = r.max === undefined ? '' : ` of ${r.max}`;
    const owner = r.owner ? `, owner ${sanitizeForTerminal(r.owner)}` : '';
    return `${r.joined ? c.green('*') : ' '} ${c.bold(padToWidth(sanitizeForTerminal(r.name), width))}  ${r.members}${cap} ${r.members === 1 && r.max === undefined ? 'member' : 'members'}, ${r.online} online, ${kind}${owner}`;
  });
  const body = lines.join('\n') || '(no rooms)';
  return options.boxes ? box(body + '\n' + c.dim('* = you are in it'), `Rooms (${message.rooms.length})`, options.color) : ['Rooms (* = yours):', ...lines].join('\n');
}

/** One server event as text for a person; undefined for events that show nothing. */
export function renderEvent(message: ServerMessage, options: RenderOptions): string | undefined {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  switch (message.type) {
    case 'message':
      return chatLine(message, message.room, options);
    case 'history':
      return renderHistory(message, options);
    case 'membership':
      return renderMembership(message, options);
    case 'rename':
      return c.dim(`[${clock(message.time)}] *** ${safe(message.from)} is now known as ${safe(message.to)}`);
    case 'synced':
      return message.history ? undefined : c.yellow('This server keeps no history: messages sent while you are away are not kept for you.');
    case 'joined': {
      const cap = message.max === undefined ? '' : ` (room for ${message.max})`;
      // The client moves plain lines to a room it joins or creates (link/chat-client.ts).
      const joined = c.green(`You are in ${safe(message.room)}: ${message.members} member${message.members === 1 ? '' : 's'}${cap}. Your lines go there now; /switch #lobby goes back.`);
      if (message.invite === undefined) return joined;
      return `${joined}\n${c.bold(`Invite code for ${safe(message.room)}: ${safe(message.invite)}`)}\n${c.dim('Give it only to people you want in: anyone with it can join.')}`;
    }
    case 'switched':
      return c.dim(`Plain lines now go to ${safe(message.room)}.`);
    case 'rooms':
      return renderRooms(message, options);
    case 'members': {
      const names = message.members.map((m) => `${colorForName(c, m.name)(safe(m.name))}${m.owner ? ' (owner)' : ''}${m.online ? '' : c.dim(' (offline)')}`);
      const count = message.total !== undefined && message.total > names.length ? `${names.length} of ${message.total}` : String(names.length);
      if (options.boxes) return box(names.join('\n') || '(nobody)', `${safe(message.room)} (${count})`, options.color);
      return `Members of ${safe(message.room)} (${count}): ${names.join(', ')}`;
    }
    case 'invite':
      return `${c.bold(`Invite code for ${safe(message.room)}: ${safe(message.code)}`)}\n${c.dim(`Others join with /join ${safe(message.code)}`)}`;
    case 'account':
      return message.event === 'registered'
        ? c.green(`${safe(message.name)} is now registered: logging in with this name needs your password.`)
        : c.green('Your password was changed.');
    case 'accounts': {
      // Paged (issue 11): say which page this is and how to get the next.
      const paged = message.pages !== undefined && message.pages > 1 && message.page !== undefined;
      const title = paged ? `Registered users (page ${message.page} of ${message.pages}, ${message.total ?? '?'} in all${(message.page ?? 0) < (message.pages ?? 0) ? `; "users ${(message.page ?? 0) + 1}" for the next` : ''}):` : 'Registered users:';
      if (message.accounts.length === 0) return `${title}\n  (none)`;
      const rows = message.accounts.map((a) => [a.name, a.online ? 'online now' : `last seen ${a.lastSeen ?? 'never'}`]);
      return `${title}\n${renderTable(['name', 'status'], rows, c)}`;
    }
    case 'presence': {
      const reason = message.reason && message.reason !== 'left' ? ` (${safe(message.reason)})` : '';
      const verb = message.event === 'join' ? 'joined' : 'left';
      return c.dim(`[${clock(message.time)}] ${message.event === 'join' ? '-->' : '<--'} ${safe(message.name)} ${verb}${reason}`);
    }
    case 'notice': {
      // Notices start with a mark no one else's text can contain (sanitize escapes it), so even
      // a chat line padded to wrap into "*** ROOT NOTICE:" never looks like one without colour.
      const label = message.from === 'root' ? 'ROOT NOTICE' : 'SERVER NOTICE';
      const line = `${NOTICE_MARK} *** ${label}: ${safe(message.text)}`;
      return message.from === 'root' ? c.bgRed.white.bold(line) : c.yellow.bold(line);
    }
    case 'online': {
      const names = message.users.map((u) => colorForName(c, u)(safe(u)));
      if (options.boxes) return box(names.length ? names.join('\n') : '(nobody)', `Online (${names.length})`, options.color);
      return `Online (${names.length}): ${names.join(', ')}`;
    }
    case 'ip':
      return `Your address as the server sees it: ${safe(message.address)}`;
    case 'help': {
      const width = Math.max(...message.commands.map((cmd) => displayWidth(safe(cmd.usage))), 0);
      const lines = message.commands.map((cmd) => `${c.bold(padToWidth(safe(cmd.usage), width))}  ${safe(cmd.help)}`);
      return options.boxes ? box(lines.join('\n'), 'Commands', options.color) : ['Commands:', ...lines.map((l) => '  ' + l)].join('\n');
    }
    case 'result': {
      // A root command's answer: free lines, then the table when there is one.
      const parts = (message.lines ?? []).map(safe);
      if (message.columns && message.rows && message.rows.length > 0) parts.push(renderTable(message.columns, message.rows, c));
      const body = parts.join('\n');
      return options.boxes ? box(body || '(nothing)', safe(message.title), options.color) : [c.bold(`${safe(message.title)}:`), ...body.split('\n').map((l) => '  ' + l)].join('\n');
    }
    case 'error':
      // Slowing down is advice, not a failure: yellow, like the other "try again" messages. The
      // code is for programs (--json); people read the sentence.
      return (message.code === 'RATE_LIMITED' ? c.yellow : c.red)(`! ${safe(message.message)}`);
    case 'welcome':
      return c.green(`Welcome, ${safe(message.name)}! ${message.online} online. Type /help for commands.`);
    case 'bye':
      return message.code === 'LEFT' ? undefined : c.yellow(`Disconnected: ${safe(message.message)}`);
    case 'packages':
      return renderPackages(message, options);
    case 'ack':
      return message.text === undefined ? undefined : c.green(safe(message.text));
    case 'devices':
      return renderDevices(message, options);
    // File sharing (protocol 3). A file described in answer to a request (`ref`) or sent to one
    // person (`to`: its name is in the direct message) is the transfer's to show, not this.
    case 'file':
      return message.ref !== undefined || message.to !== undefined ? undefined : renderSharedFile(message, c, roomLabel(message.room, options));
    case 'files':
      return renderFileList(message, c, options.boxes, options.color);
    // Direct messages reach the screen opened, as DirectEvents (renderDirectEvent below).
    case 'direct':
    case 'devices-changed':
    case 'file-accepted':
    case 'file-ack':
    case 'file-start':
    case 'file-data':
    case 'file-end':
    case 'file-failed':
    case 'ping':
    case 'pong':
    case 'challenge':
      return undefined;
  }
}

/** The `packages` answer as a table: id, kind, platforms, version, issued, status, note. */
function renderPackages(message: Extract<ServerMessage, { type: 'packages' }>, options: RenderOptions): string {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  const rows = message.packages.map((p) => [
    safe(p.id),
    safe(p.kind),
    safe(p.platforms.join(',')),
    `v${safe(p.version)}`,
    safe(p.createdAt.slice(0, 16).replace('T', ' ')),
    p.revokedAt ? `revoked ${safe(p.revokedAt.slice(0, 16).replace('T', ' '))}` : 'active',
    safe(p.note),
  ]);
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, displayWidth(cell))), []);
  const lines = rows.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell : padToWidth(cell, widths[i] ?? 0);
        return i === 5 && message.packages[r]?.revokedAt ? c.red(padded) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
  const title = `Packages (${message.packages.length}${message.total > message.packages.length ? ` of ${message.total}` : ''})`;
  if (lines.length === 0) return options.boxes ? box('(none issued yet)', title, options.color) : `${title}: none issued yet`;
  return options.boxes ? box(lines.join('\n'), title, options.color) : [`${title}:`, ...lines.map((l) => '  ' + l)].join('\n');
}

/** One server event as a JSON object for --json output; undefined for events not shown. */
export function jsonEvent(message: ServerMessage): Record<string, unknown> | undefined {
  switch (message.type) {
    case 'message':
      return { type: 'message', ...(message.room === undefined ? {} : { room: message.room }), ...(message.id === undefined ? {} : { id: message.id }), from: message.from, text: message.text, time: message.time };
    case 'history':
    case 'synced':
    case 'membership':
    case 'rename':
    case 'joined':
    case 'switched':
    case 'rooms':
    case 'members':
    case 'invite':
    case 'account':
    case 'accounts': {
      // Protocol-2 events print as sent, without the request id.
      const event: Record<string, unknown> = { ...message };
      delete event.ref;
      return event;
    }
    case 'online':
      return { type: 'online', users: message.users };
    case 'error':
      return { type: 'error', code: message.code, message: message.message };
    case 'presence':
      return { type: 'presence', event: message.event, name: message.name, time: message.time, ...(message.reason ? { reason: message.reason } : {}) };
    case 'notice':
      return { type: 'notice', from: message.from, text: message.text, time: message.time };
    case 'ip':
      return { type: 'ip', address: message.address };
    case 'help':
      return { type: 'help', commands: message.commands };
    case 'result':
      return { type: 'result', title: message.title, ...(message.lines ? { lines: message.lines } : {}), ...(message.columns ? { columns: message.columns } : {}), ...(message.rows ? { rows: message.rows } : {}) };
    case 'welcome':
      return { type: 'welcome', name: message.name, address: message.address, online: message.online };
    case 'bye':
      return message.code === 'LEFT' ? undefined : { type: 'disconnected', code: message.code, message: message.message };
    case 'packages':
      return { type: 'packages', packages: message.packages, total: message.total };
    case 'ack':
      return message.text === undefined ? undefined : { type: 'confirmation', text: message.text };
    case 'devices':
      return { type: 'devices', accounts: message.accounts };
    case 'file':
      return message.ref !== undefined || message.to !== undefined ? undefined : jsonSharedFile(message);
    case 'files': {
      const event: Record<string, unknown> = { ...message };
      delete event.ref;
      return event;
    }
    case 'direct':
    case 'devices-changed':
    case 'file-accepted':
    case 'file-ack':
    case 'file-start':
    case 'file-data':
    case 'file-end':
    case 'file-failed':
    case 'ping':
    case 'pong':
    case 'challenge':
      return undefined;
  }
}

// Direct messages (issue 13): what the client's direct-message layer reports, for people and --json.

/** "21:04" for a direct message (the issue's form); with the date when asked. */
function shortTime(iso: string, withDate = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--';
  const hm = date.toTimeString().slice(0, 5);
  if (!withDate) return hm;
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d} ${hm}`;
}

/** `[21:04] bob → you: …` / `[21:04] you → bob: …`, in the colour of direct messages. */
function directLine(message: Pick<DirectMessageEvent, 'from' | 'to' | 'text' | 'time' | 'direction'> & { sentAs?: string | undefined }, options: RenderOptions, withDate = false): string {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  const head = message.direction === 'out' ? `you → ${safe(message.to)}` : `${safe(message.from)} → you`;
  const sentAs = message.sentAs === undefined ? '' : c.dim(` (sent as ${safe(message.sentAs)})`);
  return `${c.dim(`[${shortTime(message.time, withDate)}]`)} ${c.magentaBright.bold(head)}${sentAs}${c.magentaBright(':')} ${c.magentaBright(safe(message.text))}`;
}

function renderKeyChange(event: KeyChangedEvent, options: RenderOptions): string {
  const c = options.chalk;
  const name = sanitizeForTerminal(event.name);
  const ids = (list: readonly string[]): string => list.map(sanitizeForTerminal).join(', ');
  if (event.self) {
    return c.yellow.bold(`⚠ A new device was added to your account (${ids(event.added)}). If that was not you, remove it with /devices remove <id> and change your password.`);
  }
  const what = event.status === 'new-device' ? `${name} has a new device (${ids(event.added)})` : event.status === 'removed-device' ? `${name} removed a device (${ids(event.removed)})` : `${name}'s keys changed (a device was replaced)`;
  if (event.status === 'removed-device' && !event.wasVerified) return c.yellow(`${what}.`);
  const advice = event.wasVerified
    ? `You had verified ${name}: nothing is sent to them until you compare the safety number again (/verify ${name}, then /verify ${name} confirm).`
    : `If you did not expect it, compare safety numbers with /verify ${name}.`;
  return c.yellow.bold(`⚠ ${what}. ${advice}`);
}

function renderSafetyNumber(event: SafetyNumberEvent, options: RenderOptions): string {
  const c = options.chalk;
  const name = sanitizeForTerminal(event.name);
  const groups = event.number.split(' ');
  const rows = [0, 4, 8].map((start) => groups.slice(start, start + 4).join(' ')).filter((row) => row !== '');
  const status = event.confirmed
    ? c.green(`${name} is now verified. If their keys change you are told, and nothing is sent until you compare again.`)
    : event.verified
      ? c.green(`${name} is verified: these are the keys you compared.`)
      : `Compare it with ${name} in person or on a call (not by chat: the server carries chat). If the numbers match on both screens, type /verify ${name} confirm.`;
  if (options.boxes) return box([c.bold(rows.join('\n')), '', status].join('\n'), `Safety number with ${name}`, options.color, event.verified ? 'green' : 'yellow');
  return [`Safety number with ${name}:`, ...rows.map((row) => '  ' + row), status].join('\n');
}

/** One direct-message event as text for a person. */
export function renderDirectEvent(event: DirectEvent, options: RenderOptions): string {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  switch (event.type) {
    case 'direct':
      if (event.file) return renderDirectFile({ ...event, file: event.file }, c);
      return directLine(event, options, event.stored === true);
    case 'key-changed':
      return renderKeyChange(event, options);
    case 'safety-number':
      return renderSafetyNumber(event, options);
    case 'conversations': {
      const lines = event.conversations.map(
        (conv) => `${colorForName(c, conv.name).bold(safe(conv.name))}  ${conv.messages} message${conv.messages === 1 ? '' : 's'}${conv.unread > 0 ? c.magentaBright(`, ${conv.unread} unread`) : ''}, last ${shortTime(conv.last, true)}`,
      );
      const body = lines.join('\n') || '(no direct messages yet: /msg <name> <text> starts one)';
      if (options.boxes) return box(body + '\n' + c.dim('/history @name shows one'), 'Direct messages', options.color);
      return ['Direct messages:', ...body.split('\n').map((line) => '  ' + line)].join('\n');
    }
    case 'direct-history': {
      const name = safe(event.name);
      const lines = event.messages.map((m) => directLine(m, options, true));
      if (lines.length === 0) return c.dim(`No direct messages with ${name} on this device.`);
      const end = event.more ? `(older ones: /history @${name} again)` : `── start of your messages with ${name} on this device ──`;
      return [c.dim(`── direct messages with ${name} ──`), ...lines, c.dim(end)].join('\n');
    }
    case 'direct-notice':
      return c.yellow(safe(event.text));
  }
}

/**
 * One direct-message event for --json. The forms of `direct`, `safety-number` and `key-changed`
 * are fixed (issue 13): {"type":"direct","id","from","to","text","time"} (a file's message is
 * issue 14's {"type":"file","id","to","from","name","size","sha256","time"}),
 * {"type":"safety-number","name","number","verified"}, {"type":"key-changed","name"}.
 */
export function jsonDirectEvent(event: DirectEvent): Record<string, unknown> {
  switch (event.type) {
    case 'direct':
      // A file sent to one person is announced like a shared file (issue 14), not as a chat line.
      if (event.file) return jsonDirectFile({ ...event, file: event.file });
      return { type: 'direct', id: event.id, from: event.from, to: event.to, text: event.text, time: event.time };
    case 'safety-number':
      return { type: 'safety-number', name: event.name, number: event.number, verified: event.verified };
    case 'key-changed':
      return { type: 'key-changed', name: event.name };
    case 'conversations':
      return { type: 'conversations', conversations: event.conversations };
    case 'direct-history':
      return { type: 'direct-history', name: event.name, messages: event.messages.map(({ id, from, to, text, time }) => ({ id, from, to, text, time })), more: event.more };
    case 'direct-notice':
      return { type: 'notice', from: 'client', text: event.text };
  }
}

/** `/devices`: this account's devices, when each was added and last seen, and which is this one. */
function renderDevices(message: Extract<ServerMessage, { type: 'devices' }>, options: RenderOptions): string {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  return message.accounts
    .map((account) => {
      const lines = account.devices.map((d) => {
        const when = [d.added ? `added ${shortTime(d.added, true)}` : '', d.lastSeen ? `last seen ${shortTime(d.lastSeen, true)}` : ''].filter(Boolean).join(', ');
        return `${c.bold(safe(d.id))}${when ? '  ' + when : ''}${d.current ? c.green('  (this device)') : ''}`;
      });
      const body = lines.join('\n') || '(no devices)';
      const title = `Devices of ${safe(account.name)} (${account.devices.length})`;
      if (options.boxes) return box(body + '\n' + c.dim('/devices remove <id> removes one you no longer have'), title, options.color);
      return [`${title}:`, ...body.split('\n').map((line) => '  ' + line)].join('\n');
    })
    .join('\n');
}
