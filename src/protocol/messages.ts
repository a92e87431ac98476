// Every message on the wire, as zod schemas and the discriminated unions inferred from them.
// Bytes from the network stay `unknown` until parseClientMessage/parseServerMessage accept them.
import { z } from 'zod';
import { accountChallengeSchema, accountFinishSchema, accountRecordSchema, accountRegistrationSchema, authAccountFieldsSchema, errorAccountFieldsSchema } from './account-exchange.js';
import {
  authDirectFieldsSchema,
  challengeDirectFieldsSchema,
  devicesChangedSchema,
  devicesGetSchema,
  devicesSchema,
  directAckSchema,
  directDeliverySchema,
  directSendSchema,
  syncedDirectFieldsSchema,
  welcomeDirectFieldsSchema,
} from './direct-messages.js';
import { fileClientSchemas, fileServerSchemas } from './files.js';

const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const shortText = z.string().max(256);
const base64 = z.string().max(256).regex(/^[A-Za-z0-9+/=_-]*$/);
const time = z.string().max(40);
const roomName = z.string().max(64);
const messageId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

// Client -> server.
export const helloSchema = z.object({ type: z.literal('hello'), versions: z.array(z.int().min(1).max(1000)).min(1).max(16), client: shortText });
export const authSchema = z.object({
  type: z.literal('auth'),
  name: z.string().max(64),
  role: z.enum(['user', 'root']),
  proof: base64,
  rootProof: base64.optional(),
  /** Set by issued packages: which package this is, so the server can refuse a revoked one. */
  packageId: z.string().max(64).optional(),
  // Protocol 2: the account password (inside TLS; never logged), registering the name at
  // login, and the last message id seen per room (reconnect resume).
  password: z.string().max(1024).optional(),
  register: z.boolean().optional(),
  resume: z.array(z.object({ room: roomName, lastId: messageId })).max(1100).optional(),
  // Protocol 3 (issue 11): the package proof and the account's OPAQUE messages (account-exchange.ts).
  ...authAccountFieldsSchema.shape,
  // Protocol 3 (direct messages): this device's key and its delivery cursor (direct-messages.ts).
  ...authDirectFieldsSchema.shape,
});
export const saySchema = z.object({ type: z.literal('say'), id: requestId, text: z.string().max(20_000), room: roomName.optional() });
export const commandSchema = z.object({ type: z.literal('command'), id: requestId, name: z.string().min(1).max(32), args: z.string().max(20_000) });
const pingSchema = z.object({ type: z.literal('ping') });
const pongSchema = z.object({ type: z.literal('pong') });
const clientByeSchema = z.object({ type: z.literal('bye') });

export const clientMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  authSchema,
  saySchema,
  commandSchema,
  pingSchema,
  pongSchema,
  clientByeSchema,
  // Protocol 3: OPAQUE (issue 11).
  accountFinishSchema,
  accountRecordSchema,
  // Protocol 3: direct messages (direct-messages.ts).
  directSendSchema,
  directAckSchema,
  devicesGetSchema,
  // Protocol 3: file sharing (files.ts).
  ...fileClientSchemas,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type AuthMessage = z.infer<typeof authSchema>;

// Server -> client.
const kdfSchema = z.object({ algorithm: z.literal('pbkdf2-sha256'), salt: base64, iterations: z.int().min(1).max(100_000_000) });
export const challengeSchema = z.object({
  type: z.literal('challenge'),
  protocol: z.int(),
  server: z.object({ name: shortText, version: shortText }),
  nonce: base64,
  kdf: kdfSchema,
  /** Protocols 1 and 2 only: protocol 3 proves the root password by OPAQUE. */
  rootKdf: kdfSchema.optional(),
  // Protocol 3: the server's stable id (which profile folder, so which device key, to log in with).
  ...challengeDirectFieldsSchema.shape,
});
/** A user's request rates (token buckets: `burst` at once, then `ratePerSecond`), so clients can pace themselves. */
const rateSchema = z.object({ burst: z.int().min(1).max(1_000_000), ratePerSecond: z.int().min(1).max(1_000_000) });
const welcomeSchema = z.object({
  type: z.literal('welcome'),
  name: shortText,
  role: z.enum(['user', 'root']),
  address: shortText,
  online: z.int().min(0),
  time,
  limits: z.object({ say: rateSchema, command: rateSchema }).optional(),
  // Protocol 3: the server's stable id and what became of this device's key.
  ...welcomeDirectFieldsSchema.shape,
});
const errorSchema = z.object({
  type: z.literal('error'),
  code: z.string().max(64),
  message: z.string().max(1000),
  ref: requestId.optional(),
  nonce: base64.optional(),
  // Protocol 3 (issue 11): a migrated account's prehash, and when to try again.
  ...errorAccountFieldsSchema.shape,
});
const messageSchema = z.object({ type: z.literal('message'), from: shortText, text: z.string().max(20_000), time, room: roomName.optional(), id: messageId.optional() });
const presenceSchema = z.object({ type: z.literal('presence'), event: z.enum(['join', 'leave']), name: shortText, time, reason: z.string().max(1000).optional() });
const noticeSchema = z.object({ type: z.literal('notice'), from: z.enum(['server', 'root']), text: z.string().max(20_000), time });
const onlineSchema = z.object({ type: z.literal('online'), ref: requestId.optional(), users: z.array(shortText).max(1_000_000) });
const ipSchema = z.object({ type: z.literal('ip'), ref: requestId.optional(), address: shortText });
const helpSchema = z.object({ type: z.literal('help'), ref: requestId.optional(), commands: z.array(z.object({ usage: shortText, help: z.string().max(1000) })).max(500) });
/** `text`, when present, is a confirmation worth showing ("Your request was stored."). */
const ackSchema = z.object({ type: z.literal('ack'), ref: requestId, text: z.string().max(1000).optional() });
// A root command's answer: a title, then free lines and/or a table (cells are plain text).
const resultSchema = z.object({
  type: z.literal('result'),
  ref: requestId,
  title: shortText,
  lines: z.array(z.string().max(4096)).max(10_000).optional(),
  columns: z.array(shortText).max(32).optional(),
  rows: z.array(z.array(z.string().max(4096)).max(32)).max(10_000).optional(),
});
const serverByeSchema = z.object({ type: z.literal('bye'), code: z.string().max(64), message: z.string().max(1000) });
/** The answer to the root command `packages`: issued packages, newest first. */
const packageRecordSchema = z.object({
  id: shortText,
  kind: z.enum(['client', 'root']),
  platforms: z.array(shortText).max(8),
  version: shortText,
  createdAt: time,
  note: z.string().max(1000),
  revokedAt: time.nullable(),
});
const packagesSchema = z.object({ type: z.literal('packages'), ref: requestId.optional(), packages: z.array(packageRecordSchema).max(10_000), total: z.int().min(0) });
export type PackageRecord = z.infer<typeof packageRecordSchema>;

// Protocol 2: rooms, accounts and history.
const storedMessageSchema = z.object({ id: messageId, from: shortText, text: z.string().max(20_000), time });
const historySchema = z.object({
  type: z.literal('history'),
  ref: requestId.optional(),
  room: roomName,
  reason: z.enum(['recent', 'resume', 'join', 'older']),
  messages: z.array(storedMessageSchema).max(1000),
  /** On the last frame of a transfer: older messages exist before the first one sent. */
  more: z.boolean().optional(),
  /** On a resume: some missed messages were already removed by retention. */
  truncated: z.boolean().optional(),
});
const roomSummarySchema = z.object({ name: roomName, private: z.boolean(), owner: shortText.optional(), lastId: messageId });
const syncedSchema = z.object({
  type: z.literal('synced'),
  rooms: z.array(roomSummarySchema).max(2000),
  history: z.boolean(),
  registered: z.boolean(),
  // Protocol 3: this device's stored direct messages were sent before this.
  ...syncedDirectFieldsSchema.shape,
});
const membershipSchema = z.object({
  type: z.literal('membership'),
  room: roomName,
  event: z.enum(['join', 'leave', 'kick', 'delete']),
  name: shortText,
  by: shortText.optional(),
  time,
});
const renameSchema = z.object({ type: z.literal('rename'), from: shortText, to: shortText, time });
const joinedSchema = z.object({
  type: z.literal('joined'),
  ref: requestId.optional(),
  room: roomName,
  private: z.boolean(),
  members: z.int().min(0),
  lastId: messageId,
  owner: shortText.optional(),
  max: z.int().min(1).optional(),
  invite: shortText.optional(),
});
const switchedSchema = z.object({ type: z.literal('switched'), ref: requestId.optional(), room: roomName });
const roomsSchema = z.object({
  type: z.literal('rooms'),
  ref: requestId.optional(),
  rooms: z.array(z.object({ name: roomName, private: z.boolean(), members: z.int().min(0), online: z.int().min(0), joined: z.boolean(), owner: shortText.optional(), max: z.int().min(1).optional() })).max(100_000),
});
const membersSchema = z.object({
  type: z.literal('members'),
  ref: requestId.optional(),
  room: roomName,
  members: z.array(z.object({ name: shortText, online: z.boolean(), owner: z.boolean() })).max(1_000_000),
  /** Issue 11: present when the list was cut short (online first, then by name): how many there are in all. */
  total: z.int().min(0).optional(),
});
const inviteSchema = z.object({ type: z.literal('invite'), ref: requestId.optional(), room: roomName, code: shortText });
const accountSchema = z.object({ type: z.literal('account'), ref: requestId.optional(), event: z.enum(['registered', 'password-changed']), name: shortText });
const accountsSchema = z.object({
  type: z.literal('accounts'),
  ref: requestId.optional(),
  accounts: z.array(z.object({ name: shortText, created: time, lastSeen: time.optional(), online: z.boolean() })).max(1_000_000),
  /** Issue 11: `users` is paged. This page (from 1), how many pages, and how many accounts in all. */
  page: z.int().min(1).optional(),
  pages: z.int().min(1).optional(),
  total: z.int().min(0).optional(),
});

export const serverMessageSchema = z.discriminatedUnion('type', [
  challengeSchema,
  welcomeSchema,
  errorSchema,
  messageSchema,
  presenceSchema,
  noticeSchema,
  onlineSchema,
  ipSchema,
  helpSchema,
  ackSchema,
  resultSchema,
  pingSchema,
  pongSchema,
  serverByeSchema,
  packagesSchema,
  historySchema,
  syncedSchema,
  membershipSchema,
  renameSchema,
  joinedSchema,
  switchedSchema,
  roomsSchema,
  membersSchema,
  inviteSchema,
  accountSchema,
  accountsSchema,
  // Protocol 3: OPAQUE (issue 11).
  accountChallengeSchema,
  accountRegistrationSchema,
  // Protocol 3: direct messages (direct-messages.ts).
  directDeliverySchema,
  devicesSchema,
  devicesChangedSchema,
  // Protocol 3: file sharing (files.ts).
  ...fileServerSchemas,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ChallengeMessage = z.infer<typeof challengeSchema>;
export type ResultMessage = z.infer<typeof resultSchema>;
export type StoredMessage = z.infer<typeof storedMessageSchema>;
export type HistoryMessage = z.infer<typeof historySchema>;
export type SyncedMessage = z.infer<typeof syncedSchema>;
/** Server messages of one type, e.g. ServerMessageOf<'joined'>. */
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; detail: string };

function parseWith<T>(schema: z.ZodType<T>, value: unknown): ParseResult<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
  return { ok: false, detail: `${issue?.message ?? 'invalid message'}${where}` };
}

/** Validate an untyped JSON value from a client. */
export function parseClientMessage(value: unknown): ParseResult<ClientMessage> {
  return parseWith(clientMessageSchema, value);
}

/** Validate an untyped JSON value from the server. */
export function parseServerMessage(value: unknown): ParseResult<ServerMessage> {
  return parseWith(serverMessageSchema, value);
}
