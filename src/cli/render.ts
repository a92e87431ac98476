// How server events look to a person (text) or a program (--json). Pure: returns strings.
import type { ChalkInstance } from 'chalk';
import type { ServerMessage } from '../protocol/messages.js';
import { sanitizeForTerminal } from './sanitize.js';
import { box, colorForName } from './style.js';
import { renderTable } from './table.js';

export interface RenderOptions {
  chalk: ChalkInstance;
  color: boolean;
  /** Use boxes for lists (interactive screen); line mode prints plain lines. */
  boxes: boolean;
}

function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return date.toTimeString().slice(0, 8);
}

/** One server event as text for a person; undefined for events that show nothing. */
export function renderEvent(message: ServerMessage, options: RenderOptions): string | undefined {
  const c = options.chalk;
  const safe = sanitizeForTerminal;
  switch (message.type) {
    case 'message':
      return `${c.dim(`[${clock(message.time)}]`)} ${colorForName(c, message.from).bold(safe(message.from))}: ${safe(message.text)}`;
    case 'presence': {
      const reason = message.reason ? ` (${safe(message.reason)})` : '';
      const verb = message.event === 'join' ? 'joined' : 'left';
      return c.dim(`[${clock(message.time)}] ${message.event === 'join' ? '-->' : '<--'} ${safe(message.name)} ${verb}${reason}`);
    }
    case 'notice': {
      // Notices have their own look and start of line; chat always starts "[time] name:".
      const label = message.from === 'root' ? 'ROOT NOTICE' : 'SERVER NOTICE';
      const line = `*** ${label}: ${safe(message.text)}`;
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
      const width = Math.max(...message.commands.map((cmd) => cmd.usage.length), 0);
      const lines = message.commands.map((cmd) => `${c.bold(safe(cmd.usage).padEnd(width))}  ${safe(cmd.help)}`);
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
      return c.red(`! ${safe(message.message)} [${safe(message.code)}]`);
    case 'welcome':
      return c.green(`Welcome, ${safe(message.name)}! ${message.online} online. Type /help for commands.`);
    case 'bye':
      return message.code === 'LEFT' ? undefined : c.yellow(`Disconnected: ${safe(message.message)}`);
    case 'packages':
      return renderPackages(message, options);
    case 'ack':
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
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  const lines = rows.map((row, r) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
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
      return { type: 'message', from: message.from, text: message.text, time: message.time };
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
    case 'ping':
    case 'pong':
    case 'challenge':
      return undefined;
  }
}
