// The page <-> bridge protocol of the browser app: JSON text frames over a WebSocket on
// 127.0.0.1. The page is untrusted input (another local program could reach the socket if it
// stole the session cookie), so everything it sends is parsed here with zod before the bridge
// acts on it. What the bridge sends is typed below; the page imports these types only.
import { z } from 'zod';

/** Bumped when a message changes incompatibly; the page checks it in `hello`. */
export const GUI_PROTOCOL_VERSION = 1;

const room = z.string().min(2).max(33).regex(/^#[A-Za-z0-9_-]+$/);
/** A person's name (a direct conversation): the server's name rule. */
const person = z.string().regex(/^[A-Za-z0-9_.-]{1,24}$/);
const secret = z.string().min(1).max(1024);

// Page -> bridge. `strictObject`: unknown keys are refused, not silently dropped.
const loginSchema = z.strictObject({
  type: z.literal('login'),
  /** Absent when the program already has the passkey (PARTY_POOL_PASSKEY, --passkey-file). */
  passkey: secret.optional(),
  name: z.string().min(1).max(64),
  password: secret.optional(),
  /** Register the name with `password` (the server admits registered names only). */
  register: z.boolean().optional(),
});
/** A line typed in the message box while `room` is shown: text, or a /command. */
const sendSchema = z.strictObject({ type: z.literal('send'), room, text: z.string().min(1).max(4000) });
/** The page now shows `room`: its unread count resets and plain lines go there. */
const viewSchema = z.strictObject({ type: z.literal('view'), room });
/** Load the messages before the oldest one the page has of `room`. */
const olderSchema = z.strictObject({ type: z.literal('older'), room });
/** Join a public room (`#name`) or an invite-only one (its invite code). */
const joinSchema = z.strictObject({ type: z.literal('join'), target: z.string().min(1).max(256) });
const createSchema = z.strictObject({ type: z.literal('create'), room, inviteOnly: z.boolean() });
const leaveRoomSchema = z.strictObject({ type: z.literal('leave-room'), room });
const inviteSchema = z.strictObject({ type: z.literal('invite'), room });
/** Ask for the public rooms and the user's own (answered with `room-list`). */
const listRoomsSchema = z.strictObject({ type: z.literal('list-rooms') });
const accountSchema = z.discriminatedUnion('action', [
  z.strictObject({ type: z.literal('account'), action: z.literal('register'), password: secret }),
  z.strictObject({ type: z.literal('account'), action: z.literal('password'), old: secret, password: secret }),
]);
// Direct conversations (issue 13).
/** The page shows the conversation with `name`: its history from this device's store, unread reset. */
const openDirectSchema = z.strictObject({ type: z.literal('open-direct'), name: person });
/** A line typed in the message box while the conversation with `to` is shown: text (sealed to them), or a /command. */
const directSendSchema = z.strictObject({ type: z.literal('direct-send'), to: person, text: z.string().min(1).max(4000) });
/** Older messages of the conversation with `name` (from this device's store). */
const directOlderSchema = z.strictObject({ type: z.literal('direct-older'), name: person });
/** The safety number with `name` (`/verify name`), or mark it compared (`/verify name confirm`). */
const verifySchema = z.strictObject({ type: z.literal('verify'), name: person, confirm: z.boolean() });
/** `/block name` or `/unblock name`. */
const blockSchema = z.strictObject({ type: z.literal('block'), name: person, block: z.boolean() });

// Files (issue 14). An upload is announced, then its bytes come as binary frames (see UPLOAD_FRAME).
/** The page's own number for an upload (unique among its open uploads). */
const uploadId = z.int().min(1).max(0x7fffffff);
const uploadStartSchema = z.strictObject({
  type: z.literal('upload-start'),
  upload: uploadId,
  /** The browser's file name: made safe (last path part, no control or reserved characters) before use. */
  name: z.string().min(1).max(1024),
  size: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Where it goes: a room, or one person. */
  room: room.optional(),
  to: person.optional(),
});
const uploadCancelSchema = z.strictObject({ type: z.literal('upload-cancel'), upload: uploadId });
/** Download shared file `file` into the Downloads folder. */
const downloadSchema = z.strictObject({ type: z.literal('download'), file: z.int().min(1).max(Number.MAX_SAFE_INTEGER) });

/** After an ended chat: show the login form again. */
const restartSchema = z.strictObject({ type: z.literal('restart') });
/** Leave Party Pool: log out and end the program. */
const leaveSchema = z.strictObject({ type: z.literal('leave') });

const pageMessageSchema = z.union([
  loginSchema,
  sendSchema,
  viewSchema,
  olderSchema,
  joinSchema,
  createSchema,
  leaveRoomSchema,
  inviteSchema,
  listRoomsSchema,
  accountSchema,
  openDirectSchema,
  directSendSchema,
  directOlderSchema,
  verifySchema,
  blockSchema,
  uploadStartSchema,
  uploadCancelSchema,
  downloadSchema,
  restartSchema,
  leaveSchema,
]);
export type PageMessage = z.infer<typeof pageMessageSchema>;

export type PageParse = { ok: true; message: PageMessage } | { ok: false; detail: string };

/** Validate one text frame from the page (still a string: JSON errors are answered too). */
export function parsePageMessage(text: string): PageParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'not JSON' };
  }
  const result = pageMessageSchema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
  return { ok: false, detail: `${issue?.message ?? 'invalid message'}${where}` };
}

// An upload's bytes travel as binary messages: upload-frames.ts (no zod there: the page imports it).
export { UPLOAD_CHUNK_BYTES, UPLOAD_FRAME, UPLOAD_WINDOW_BYTES } from './upload-frames.js';

// Bridge -> page.

/** One line of a room's log. `key` is unique within the room (the page's list key). */
export type Entry =
  | { kind: 'chat'; key: string; id?: number; from: string; text: string; time: string; mine: boolean; mention: boolean }
  /** A line typed while the connection was down, waiting to be sent. */
  | { kind: 'queued'; key: string; text: string }
  /** Everything else (joins, notices, command answers, errors), as plain text lines. */
  | { kind: 'info'; key: string; text: string; time?: string; tone: InfoTone }
  /** A shared file (in a room, or sent to one person): its "Download" button asks for `id`. */
  | { kind: 'file'; key: string; id: number; from: string; name: string; size: number; time: string; mine: boolean };

export type InfoTone = 'plain' | 'good' | 'warn' | 'bad' | 'root' | 'server';

export interface RoomView {
  name: string;
  private: boolean;
  owner?: string;
  unread: number;
  /** Someone mentioned you there since you last looked. */
  mentioned: boolean;
  /** Older messages may exist before the first entry the page has. */
  more: boolean;
}

/** A direct conversation in the list beside the rooms (its log is `logs['@' + name]`). */
export interface PersonView {
  name: string;
  unread: number;
  /** The last message's time (ISO), for the order of the list. */
  last?: string;
  online: boolean;
  blocked: boolean;
  /** Their keys changed since they were last seen (said plainly in the conversation until verified again). */
  keyWarning?: string;
}

/** What `/verify name` showed: the number both sides compare. */
export interface SafetyNumberView {
  name: string;
  /** Twelve groups of five digits. */
  number: string;
  verified: boolean;
}

/** A file transfer's progress (uploads and downloads), as the terminal's bars show it. */
export interface TransferRow {
  key: number;
  direction: 'upload' | 'download';
  name: string;
  size: number;
  done: number;
  phase: 'checking' | 'queued' | 'sending' | 'receiving' | 'paused' | 'done' | 'failed';
}

export type Phase = 'login' | 'connecting' | 'chat' | 'ended';

export interface LoginView {
  askPasskey: boolean;
  /** The name given with --name (the form starts with it). */
  name: string;
  /** Show the Password field (the name is registered, or the server wants it registered). */
  askPassword: boolean;
  register: boolean;
  error?: { code: string; message: string; field: 'passkey' | 'name' | 'password' | 'form' };
}

export interface ChatView {
  me: string;
  registered: boolean;
  /** The room the page shows (plain lines go there). */
  current: string;
  rooms: RoomView[];
  /** Entries per room (rooms[i].name -> its log). */
  logs: Record<string, Entry[]>;
  online: string[];
  connection: ConnectionView;
  /** Direct conversations, the most recent first; absent when this session has no direct messages. */
  people: PersonView[] | null;
  /** The conversation the page shows instead of a room, if any. */
  direct: string | null;
  transfers: TransferRow[];
  /** The largest file the page may offer (bytes). */
  maxUploadBytes: number;
}

export interface ConnectionView {
  up: boolean;
  /** Why it is down, and when the next attempt is. */
  message?: string;
  retryInMs?: number;
  queued: number;
}

/** Room rows of the /rooms answer, for the join dialog. */
export interface RoomListRow {
  name: string;
  private: boolean;
  members: number;
  online: number;
  joined: boolean;
}

export type BridgeEvent =
  /** First frame on every page connection: everything needed to draw the page. */
  | { type: 'hello'; version: number; phase: Phase; login: LoginView; chat: ChatView | null; ended: { code: string; message: string } | null }
  | { type: 'phase'; phase: Phase; login: LoginView; chat: ChatView | null; ended: { code: string; message: string } | null }
  | { type: 'entries'; room: string; entries: Entry[]; at: 'end' | 'start'; more?: boolean }
  /** Entries that are gone (queued lines once sent). */
  | { type: 'remove'; room: string; keys: string[] }
  | { type: 'rooms'; rooms: RoomView[]; current: string }
  | { type: 'online'; users: string[] }
  | { type: 'me'; name: string; registered: boolean }
  | { type: 'connection'; connection: ConnectionView }
  /** A mention, or a direct message (`direct`: `room` is then '@' + the sender): the page may show a desktop notification. */
  | { type: 'notify'; room: string; from: string; text: string; direct?: boolean }
  /** The direct conversations changed (a message, read, block, key change). */
  | { type: 'people'; people: PersonView[] | null; direct: string | null }
  | { type: 'safety-number'; safety: SafetyNumberView }
  /** File transfers now (empty: none). */
  | { type: 'transfers'; transfers: TransferRow[] }
  /** An upload from the page: bytes `received` so far; `sent` once handed to the chat connection; `refused` with why. */
  | { type: 'upload'; upload: number; state: 'receiving' | 'sending' | 'refused' | 'done'; received: number; code?: string; message?: string }
  | { type: 'room-list'; rooms: RoomListRow[] }
  /** The user typed /register or /password: show the hidden-password form. */
  | { type: 'account-form'; action: 'register' | 'password' }
  /** A page request the bridge refused (malformed, too fast, not possible now). */
  | { type: 'problem'; code: string; message: string }
  /** The program is ending (Leave, Ctrl-C): nothing more will come. */
  | { type: 'goodbye'; message: string };

/** WebSocket close codes the bridge uses (4000-4999 are the application's). */
export const CloseCodes = {
  /** RFC 6455: a message bigger than the limit. */
  tooBig: 1009,
  /** RFC 6455: policy violation (too many bad or too fast messages). */
  policy: 1008,
  /** The program is ending. */
  goingAway: 1001,
  /** Another page is connected and the limit is reached. */
  tooManyPages: 4001,
} as const;
