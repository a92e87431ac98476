// `party-pool export --room '#room'`: a room's stored history as JSON or as one self-contained
// HTML page (inline style, no script, a CSP that loads nothing; every sender and text escaped and
// bidi-isolated). Read from one snapshot of the database, so it works while the server runs, and
// streamed: a room's whole history never sits in memory at once.
import fs from 'node:fs';
import { once } from 'node:events';
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { openExistingDatabase } from '../data-dir/database-copy.js';
import { checkRoomName, roomKey } from '../protocol/rooms.js';

export const EXPORT_FORMATS = ['json', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  databaseFile: string;
  room: string;
  format: ExportFormat;
  /** Where the text goes: a file stream (created owner-only by the caller) or stdout. */
  sink: NodeJS.WritableStream;
  now?: () => Date;
}

export interface ExportResult {
  room: string;
  messages: number;
}

const rowSchema = z.object({ id: z.int(), sender: z.string(), body: z.string(), sent_at: z.number() });

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

const STYLE = [
  'body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}',
  'h1{font-size:1.4rem}p.meta{color:#666}',
  'ol{list-style:none;padding:0}li{padding:.25rem 0;border-bottom:1px solid #eee}',
  'time{color:#888;font-size:.85em;margin-right:.5em}.from{font-weight:600;margin-right:.5em}.text{white-space:pre-wrap;overflow-wrap:anywhere}',
  '@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}li{border-color:#333}}',
].join('');

/** Write the room's history to the sink; resolves once it is all written. */
export async function exportRoom(options: ExportOptions): Promise<ExportResult> {
  const problem = checkRoomName(options.room);
  if (problem) throw new PartyPoolError(problem, `"${options.room.slice(0, 40)}" is not a room name: rooms look like #games.`);
  const db = openExistingDatabase(options.databaseFile, { readonly: true });
  try {
    const room = db.prepare('SELECT id, name FROM rooms WHERE name_key = ?').get(roomKey(options.room));
    const parsedRoom = z.object({ id: z.int(), name: z.string() }).safeParse(room);
    if (!parsedRoom.success) throw new PartyPoolError('NO_SUCH_ROOM', `There is no room ${options.room} on this server.`);
    const { id: roomId, name } = parsedRoom.data;
    const exportedAt = (options.now?.() ?? new Date()).toISOString();
    const write = async (text: string): Promise<void> => {
      if (!options.sink.write(text)) await once(options.sink, 'drain');
    };
    // One read transaction: the export is one snapshot even while the server commits.
    db.exec('BEGIN');
    let count = 0;
    try {
      const rows = db.prepare('SELECT id, sender, body, sent_at FROM messages WHERE room_id = ? ORDER BY id').iterate(roomId);
      if (options.format === 'json') await write(`{"format":"party-pool-room-export","version":1,"room":${JSON.stringify(name)},"exportedAt":"${exportedAt}","messages":[`);
      else {
        await write(
          [
            '<!DOCTYPE html>',
            '<html lang="en"><head><meta charset="utf-8">',
            `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            `<title>${escapeHtml(name)} — Party Pool history</title><style>${STYLE}</style></head><body>`,
            `<h1><bdi>${escapeHtml(name)}</bdi></h1>`,
            `<p class="meta">Exported ${escapeHtml(exportedAt)} by party-pool export.</p>`,
            '<ol>',
            '',
          ].join('\n'),
        );
      }
      for (const raw of rows) {
        const row = rowSchema.parse(raw);
        const time = new Date(row.sent_at).toISOString();
        if (options.format === 'json') await write(`${count === 0 ? '' : ','}\n${JSON.stringify({ id: row.id, from: row.sender, time, text: row.body })}`);
        else await write(`<li><time datetime="${time}">${time.replace('T', ' ').slice(0, 19)}</time><bdi class="from">${escapeHtml(row.sender)}</bdi><bdi class="text">${escapeHtml(row.body)}</bdi></li>\n`);
        count++;
      }
      if (options.format === 'json') await write(`${count === 0 ? '' : '\n'}]}\n`);
      else await write(`</ol>\n<p class="meta">${count} message${count === 1 ? '' : 's'}.</p>\n</body></html>\n`);
    } finally {
      db.exec('COMMIT');
    }
    return { room: name, messages: count };
  } finally {
    db.close();
  }
}

/** A new owner-only file for an export (history is private); refuses to overwrite. */
export function openExportFile(file: string): fs.WriteStream {
  try {
    return fs.createWriteStream('', { fd: fs.openSync(file, 'wx', 0o600) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new PartyPoolError('FILE_EXISTS', `${file} already exists; choose another --out, or move it away.`);
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { cause: error });
  }
}
