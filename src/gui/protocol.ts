// The page <-> bridge protocol of the browser app: JSON text frames over a WebSocket on
// 127.0.0.1. The page is untrusted input (another local program could reach the socket if it
// stole the session cookie), so everything it sends is parsed here with zod before the bridge
// acts on it. What the bridge sends is typed below; the page imports these types only.
import { z } from 'zod';

/** Bumped when a message changes incompatibly; the page checks it in `hello`. */
export const GUI_PROTOCOL_VERSION = 1;

const room = z.string().min(2).max(33).regex(/^#[A-Za-z0-9_-]+$/);
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

// Bridge -> page.

/** One line of a room's log. `key` is unique within the room (the page's list key). */
export type Entry =
  | { kind: 'chat'; key: string; id?: number; from: string; text: string; time: string; mine: boolean; mention: boolean }
  /** A line typed while the connection was down, waiting to be sent. */
  | { kind: 'queued'; key: string; text: string }
  /** Everything else (joins, notices, command answers, errors), as plain text lines. */
  | { kind: 'info'; key: string; text: string; time?: string; tone: InfoTone };

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
  /** A mention or (later) a direct message: the page may show a desktop notification. */
  | { type: 'notify'; room: string; from: string; text: string }
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
