// The local conversation store: direct messages as opened on this device, one append-only file
// per person (conversations/<hex of the name>.jsonl), plus how far each conversation was read
// (read.json). It is also the replay guard: a message id seen before — delivered twice, replayed
// by a server, or echoing one this device sent — is dropped, never shown twice. Everything stays
// on this device, readable by its owner only; the server never sees any of it.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { describeStorageError } from '../common/storage-errors.js';
import { directPayloadSchema } from '../protocol/direct-payload.js';
import { nameKey } from '../protocol/names.js';
import { appendPrivateLine, ensurePrivateDirectory, readPrivateLines, readProfileJson, writePrivateText, writeProfileJson, type FileContext } from './profile-files.js';

export const CONVERSATIONS_DIR = 'conversations';
export const READ_FILE = 'read.json';

const entrySchema = z.object({
  /** The sender's random message id (the same on every device). */
  id: z.string().min(1).max(64),
  /** The other person in this conversation, as written. */
  peer: z.string().min(1).max(64),
  /** in: someone wrote to this account; out: this account wrote (from this or another of its devices). */
  direction: z.enum(['in', 'out']),
  /** The device that sealed it. */
  device: z.string().max(64),
  /** The sealed time (ISO 8601). */
  time: z.string().max(40),
  payload: directPayloadSchema,
});
export type ConversationEntry = z.infer<typeof entrySchema>;

const readFileSchema = z.object({ format: z.literal('party-pool-read'), version: z.literal(1), read: z.array(z.object({ peer: z.string().max(64), count: z.int().min(0) })).max(100_000) });

export interface ConversationSummary {
  readonly peer: string;
  readonly count: number;
  readonly unread: number;
  readonly lastTime: string;
}

export interface HistoryPage {
  /** Oldest first. */
  readonly entries: readonly ConversationEntry[];
  /** Index of the first entry in the conversation (pass as `before` for the previous page). */
  readonly start: number;
  /** Older entries exist. */
  readonly more: boolean;
}

function fileKey(peer: string): string {
  return Buffer.from(nameKey(peer), 'utf8').toString('hex');
}

export class ConversationStore {
  private readonly dir: string;
  private readonly readFile: string;
  private readonly byPeer = new Map<string, ConversationEntry[]>();
  private readonly readCounts = new Map<string, number>();
  private readonly seenIds = new Set<string>();
  /** Lines skipped on load because they did not parse (each reported once as a notice). */
  readonly damagedLines: number = 0;

  constructor(
    accountDir: string,
    private readonly context: FileContext,
  ) {
    this.dir = path.join(accountDir, CONVERSATIONS_DIR);
    this.readFile = path.join(accountDir, READ_FILE);
    ensurePrivateDirectory(this.dir, context);
    let damaged = 0;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).sort();
    } catch (error) {
      throw new PartyPoolError('PROFILE_UNUSABLE', `Cannot read the conversations in ${this.dir}: ${describeStorageError(error)}.`, { cause: error });
    }
    for (const name of names) {
      if (!/^[0-9a-f]{2,96}\.jsonl$/.test(name)) continue;
      const file = path.join(this.dir, name);
      let skipped = 0;
      for (const line of readPrivateLines(file, context)) {
        const entry = parseEntry(line);
        if (!entry || this.seenIds.has(entry.id)) {
          skipped += entry ? 0 : 1;
          continue;
        }
        this.remember(entry);
      }
      if (skipped > 0) context.notice(`Skipped ${skipped} damaged line${skipped === 1 ? '' : 's'} in ${file}; the rest of that conversation is intact.`);
      damaged += skipped;
    }
    this.damagedLines = damaged;
    const marks = readProfileJson(this.readFile, readFileSchema, 'move it away to reset the unread counts (no message is lost).', context);
    for (const mark of marks?.read ?? []) this.readCounts.set(nameKey(mark.peer), mark.count);
  }

  /** Whether a message id was stored before (the replay check). */
  seen(id: string): boolean {
    return this.seenIds.has(id);
  }

  /**
   * Store one opened message, durably, before it is shown. 'duplicate' (nothing stored) for an id
   * seen before: drop it. The peer must be the payload's sender (in) or addressee (out).
   */
  accept(entry: ConversationEntry): 'stored' | 'duplicate' {
    const parsed = entrySchema.parse(entry);
    const expectedPeer = parsed.direction === 'in' ? parsed.payload.from : parsed.payload.to;
    if (nameKey(expectedPeer) !== nameKey(parsed.peer)) throw new RangeError(`The peer of an ${parsed.direction} message is its ${parsed.direction === 'in' ? 'sender' : 'addressee'}.`);
    if (this.seenIds.has(parsed.id)) return 'duplicate';
    appendPrivateLine(path.join(this.dir, `${fileKey(parsed.peer)}.jsonl`), JSON.stringify(parsed));
    this.remember(parsed);
    return 'stored';
  }

  /** A page of one conversation: the `limit` entries before index `before` (default: the newest). */
  history(peer: string, limit: number, before?: number): HistoryPage {
    const entries = this.byPeer.get(nameKey(peer)) ?? [];
    const end = Math.max(0, Math.min(before ?? entries.length, entries.length));
    const start = Math.max(0, end - Math.max(0, limit));
    return { entries: entries.slice(start, end), start, more: start > 0 };
  }

  /** Messages from `peer` not yet marked read. */
  unread(peer: string): number {
    const key = nameKey(peer);
    const entries = this.byPeer.get(key) ?? [];
    return entries.slice(this.readCounts.get(key) ?? 0).filter((entry) => entry.direction === 'in').length;
  }

  /** Everything in the conversation with `peer` counts as read now. */
  markRead(peer: string): void {
    const key = nameKey(peer);
    const count = this.byPeer.get(key)?.length ?? 0;
    if ((this.readCounts.get(key) ?? 0) === count) return;
    this.readCounts.set(key, count);
    this.saveReadCounts();
  }

  private saveReadCounts(): void {
    const read = [...this.readCounts].map(([peerKey, n]) => ({ peer: peerKey, count: n }));
    writeProfileJson(this.readFile, { format: 'party-pool-read', version: 1, read }, this.context);
  }

  /**
   * The person renamed (/nick): their conversation continues under the new name (its file is
   * rewritten atomically, then the old one goes; a crash in between leaves both, and loading
   * drops the duplicates by message id). Messages keep the names they were sealed with.
   */
  rename(oldName: string, newName: string): void {
    const [from, to] = [nameKey(oldName), nameKey(newName)];
    const moved = this.byPeer.get(from);
    if (!moved || from === to) {
      if (moved) for (const entry of moved) Object.assign(entry, { peer: newName });
      return;
    }
    const merged = [...(this.byPeer.get(to) ?? []), ...moved.map((entry) => ({ ...entry, peer: newName }))].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    writePrivateText(path.join(this.dir, `${fileKey(newName)}.jsonl`), merged.map((entry) => JSON.stringify(entry) + '\n').join(''), this.context);
    fs.rmSync(path.join(this.dir, `${fileKey(oldName)}.jsonl`), { force: true });
    this.byPeer.delete(from);
    this.byPeer.set(to, merged);
    const read = (this.readCounts.get(from) ?? 0) + (this.readCounts.get(to) ?? 0);
    this.readCounts.delete(from);
    this.readCounts.set(to, read);
    this.saveReadCounts();
  }

  /**
   * The stored messages that carried file `id` (issue 14), oldest first. Usually one; anyone can
   * send a direct message naming any file id, so the caller picks by who sent it.
   */
  filesWithId(id: string): (ConversationEntry & { payload: Extract<ConversationEntry['payload'], { kind: 'file' }> })[] {
    const found: (ConversationEntry & { payload: Extract<ConversationEntry['payload'], { kind: 'file' }> })[] = [];
    // A scan: /get is rare next to the messages a conversation holds.
    for (const entries of this.byPeer.values()) {
      for (const entry of entries) {
        const payload = entry.payload;
        if (payload.kind === 'file' && payload.file.id === id) found.push({ ...entry, payload });
      }
    }
    return found.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  /** One line per conversation, the most recent first (what `/msg` alone lists). */
  summaries(): ConversationSummary[] {
    return [...this.byPeer.values()]
      .flatMap((entries) => {
        const last = entries[entries.length - 1];
        return last ? [{ peer: last.peer, count: entries.length, unread: this.unread(last.peer), lastTime: last.time }] : [];
      })
      .sort((a, b) => (a.lastTime < b.lastTime ? 1 : a.lastTime > b.lastTime ? -1 : 0));
  }

  private remember(entry: ConversationEntry): void {
    const key = nameKey(entry.peer);
    let list = this.byPeer.get(key);
    if (!list) {
      list = [];
      this.byPeer.set(key, list);
    }
    list.push(entry);
    this.seenIds.add(entry.id);
  }
}

function parseEntry(line: string): ConversationEntry | undefined {
  try {
    const parsed = entrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
