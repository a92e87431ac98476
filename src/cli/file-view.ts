// How file transfers look: the progress bars above the chat screen's prompt, the lines and JSON
// events a finished or failed transfer leaves, and shared files and file lists from the server.
// Pure: returns strings (and objects for --json). File names are untrusted text: always sanitized.
import type { ChalkInstance } from 'chalk';
import { formatSize } from '../common/sizes.js';
import type { FileShared, FilesList } from '../protocol/files.js';
import type { ServerMessageOf } from '../protocol/messages.js';
import { sanitizeForTerminal } from './sanitize.js';
import { box, colorForName } from './style.js';

/** One transfer as the screen shows it. */
export interface TransferView {
  /** A local number for the transfer (not the file id). */
  readonly key: number;
  readonly direction: 'upload' | 'download';
  readonly name: string;
  readonly size: number;
  readonly done: number;
  /** Recent speed; undefined until there is one. */
  readonly bytesPerSecond: number | undefined;
  readonly phase: 'checking' | 'queued' | 'sending' | 'receiving' | 'paused' | 'done' | 'failed';
}

/** What a transfer tells the person when it ends (and the JSON line mode prints for it). */
export type TransferNotice =
  | { readonly type: 'saved'; readonly id: number; readonly name: string; readonly path: string; readonly size: number; readonly sha256: string; readonly seconds: number }
  | { readonly type: 'sent'; readonly id: number; readonly name: string; readonly size: number; readonly seconds: number; readonly to?: string }
  /** A file this device sent to one person (the DM carried its key): shown like a shared file. */
  | { readonly type: 'file'; readonly id: number; readonly to: string; readonly from: string; readonly name: string; readonly size: number; readonly sha256: string; readonly time: string }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly id?: number };

function clockOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '--:--' : date.toTimeString().slice(0, 5);
}

/** "4 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(1, width - 1)).join('') + '…';
}

const BAR_WIDTH = 20;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The width a line takes on screen (colour codes take none). */
function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/**
 * `↑ holiday.jpg  [██████████░░░░░░░░░░]  52%  1.2 MB of 2.4 MB  12.3 MB/s  4 s left`, fitted to
 * `width` columns: the amounts go first, then the name gets shorter.
 */
export function progressLine(view: TransferView, c: ChalkInstance, width = 120): string {
  for (const [nameWidth, amounts] of [
    [28, true],
    [28, false],
    [16, false],
    [8, false],
  ] as const) {
    const line = progressParts(view, c, nameWidth, amounts);
    if (visibleWidth(line) < width) return line;
  }
  return progressParts(view, c, 8, false).replace(ANSI, '').slice(0, Math.max(10, width - 1));
}

function progressParts(view: TransferView, c: ChalkInstance, nameWidth: number, showAmounts: boolean): string {
  const arrow = view.direction === 'upload' ? '↑' : '↓';
  const name = sanitizeForTerminal(truncate(view.name, nameWidth));
  const fraction = view.size === 0 ? 1 : Math.min(1, view.done / view.size);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${c.green('█'.repeat(filled))}${c.dim('░'.repeat(BAR_WIDTH - filled))}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const amounts = showAmounts ? `  ${formatSize(view.done)} of ${formatSize(view.size)}` : '';
  const speed = view.bytesPerSecond === undefined ? '' : `  ${formatSize(Math.round(view.bytesPerSecond))}/s`;
  let tail: string;
  switch (view.phase) {
    case 'checking':
      tail = c.dim('checking…');
      break;
    case 'queued':
      tail = c.dim('waiting for a free slot');
      break;
    case 'paused':
      tail = c.yellow('paused: reconnecting…');
      break;
    case 'done':
      tail = c.green('done');
      break;
    case 'failed':
      tail = c.red('stopped');
      break;
    default: {
      const left = view.bytesPerSecond ? (view.size - view.done) / view.bytesPerSecond : undefined;
      tail = left === undefined ? '' : `${formatDuration(left)} left`;
    }
  }
  return `${arrow} ${c.bold(name)}  ${bar} ${percent}${amounts}${speed}  ${tail}`.trimEnd();
}

/** A transfer's end as a line for a person. */
export function renderNotice(notice: TransferNotice, c: ChalkInstance): string {
  const safe = sanitizeForTerminal;
  switch (notice.type) {
    case 'saved':
      return c.green(`Saved ${safe(notice.name)} (${formatSize(notice.size)}) to ${safe(notice.path)} — SHA-256 ${notice.sha256.slice(0, 16)}… checked.`);
    case 'sent': {
      const speed = notice.seconds > 0 ? `, ${formatSize(Math.round(notice.size / notice.seconds))}/s` : '';
      return c.dim(`Sent ${safe(notice.name)} (${formatSize(notice.size)}) in ${formatDuration(notice.seconds)}${speed}${notice.to ? ` to ${safe(notice.to)}, end-to-end encrypted` : ''}.`);
    }
    case 'file':
      return `${c.dim(`[${clockOf(notice.time)}]`)} You sent ${colorForName(c, notice.to).bold(safe(notice.to))} ${c.bold(safe(notice.name))} (${formatSize(notice.size)}) — /get ${notice.id}`;
    case 'error':
      return c.red(`! ${safe(notice.message)} [${safe(notice.code)}]`);
  }
}

/** A transfer's end for --json: `saved`, `file` (direct) and `error` events; `sent` is for people only. */
export function jsonNotice(notice: TransferNotice): Record<string, unknown> | undefined {
  switch (notice.type) {
    case 'saved':
      return { type: 'saved', id: notice.id, path: notice.path, sha256: notice.sha256 };
    case 'file':
      return { type: 'file', id: notice.id, to: notice.to, from: notice.from, name: notice.name, size: notice.size, sha256: notice.sha256, time: notice.time };
    case 'error':
      return { type: 'error', code: notice.code, message: notice.message, ...(notice.id === undefined ? {} : { id: notice.id }) };
    case 'sent':
      return undefined;
  }
}

/** Progress for --json, at most once a second per transfer. */
export function jsonProgress(view: TransferView): Record<string, unknown> {
  return { type: 'progress', direction: view.direction, name: view.name, done: view.done, size: view.size, ...(view.bytesPerSecond === undefined ? {} : { bytesPerSecond: Math.round(view.bytesPerSecond) }) };
}

/** `[21:04] alice shared holiday.jpg (2.4 MB) — /get 7` */
export function renderSharedFile(event: FileShared, c: ChalkInstance, roomLabel: string): string {
  const safe = sanitizeForTerminal;
  return `${c.dim(`[${clockOf(event.time)}]`)} ${roomLabel}${colorForName(c, event.from).bold(safe(event.from))} shared ${c.bold(safe(event.name))} (${formatSize(event.size)}) — ${c.cyan(`/get ${event.id}`)}`;
}

/** A file sent to one person, as its direct message announced it (the name came end-to-end encrypted). */
export interface DirectFileAnnouncement {
  readonly file: { readonly id: string; readonly name: string; readonly size: number; readonly sha256: string };
  readonly from: string;
  readonly to: string;
  readonly time: string;
  /** out: this account sent it (from another of its devices). */
  readonly direction: 'in' | 'out';
}

/** `[21:04] bob sent you holiday.jpg (2.4 MB) — /get 7` (or `You sent bob …` on the sender's other devices). */
export function renderDirectFile(event: DirectFileAnnouncement, c: ChalkInstance): string {
  const safe = sanitizeForTerminal;
  const what = `${c.bold(safe(event.file.name))} (${formatSize(event.file.size)}) — ${c.cyan(`/get ${safe(event.file.id)}`)}`;
  const who = event.direction === 'out' ? `You sent ${colorForName(c, event.to).bold(safe(event.to))}` : `${colorForName(c, event.from).bold(safe(event.from))} sent you`;
  return `${c.dim(`[${clockOf(event.time)}]`)} ${who} ${what}`;
}

/** A file sent to one person as JSON: the shape of a shared file, with `to` instead of `room`. */
export function jsonDirectFile(event: DirectFileAnnouncement): Record<string, unknown> {
  const id = /^\d{1,15}$/.test(event.file.id) ? Number(event.file.id) : event.file.id;
  return { type: 'file', id, to: event.to, from: event.from, name: event.file.name, size: event.file.size, sha256: event.file.sha256, time: event.time };
}

/** A file as JSON: the issue's fixed shape. */
export function jsonSharedFile(event: FileShared): Record<string, unknown> {
  return {
    type: 'file',
    id: event.id,
    ...(event.room === undefined ? {} : { room: event.room }),
    ...(event.to === undefined ? {} : { to: event.to }),
    from: event.from,
    name: event.name,
    size: event.size,
    sha256: event.sha256,
    time: event.time,
  };
}

/** The answer to /files: one line per file, newest first. */
export function renderFileList(list: FilesList, c: ChalkInstance, boxes: boolean, color: boolean): string {
  const safe = sanitizeForTerminal;
  const where = list.room !== undefined ? safe(list.room) : `you and ${safe(list.with ?? '?')}`;
  const idWidth = Math.max(2, ...list.files.map((f) => String(f.id).length));
  const lines = list.files.map((f) => {
    const name = f.name === '' ? c.dim('(sent end-to-end encrypted)') : safe(truncate(f.name, 40));
    const who = f.to !== undefined ? `${safe(f.from)} → ${safe(f.to)}` : safe(f.from);
    return `${String(f.id).padStart(idWidth)}  ${name}  ${formatSize(f.size)}  ${who}  ${f.time.slice(0, 16).replace('T', ' ')}`;
  });
  const more = list.total > list.files.length ? [c.dim(`… and ${list.total - list.files.length} older`)] : [];
  const body = lines.length === 0 ? '(no files)' : [...lines, ...more, c.dim('/get <id> downloads one')].join('\n');
  const title = `Files: ${where} (${list.total})`;
  return boxes ? box(body, title, color) : [`${title}:`, ...body.split('\n').map((line) => '  ' + line)].join('\n');
}

/** The commands the chat program runs itself (they read and write files here), for /help. */
export const LOCAL_FILE_COMMANDS = [
  { usage: '/send [@name] <path>', help: 'Share a file in the current room (or send it to one person); a progress bar shows how it goes.' },
  { usage: '/get <id> [folder]', help: 'Download a shared file (default: your Downloads folder) and check its SHA-256.' },
] as const;

/** The server's /help answer with the chat program's own file commands added (before /files). */
export function withLocalFileCommands(help: ServerMessageOf<'help'>): ServerMessageOf<'help'> {
  const at = help.commands.findIndex((entry) => entry.usage.startsWith('/files'));
  if (at < 0) return help;
  const commands = [...help.commands];
  commands.splice(at, 0, ...LOCAL_FILE_COMMANDS);
  return { ...help, commands };
}
