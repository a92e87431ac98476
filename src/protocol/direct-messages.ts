// Protocol 3 (direct messages, issue 13) as zod schemas, described in docs/PROTOCOL.md ("Direct
// messages"). messages.ts adds the message schemas below to its unions and the challenge, auth,
// welcome and synced fields to those messages' schemas; every field is optional, so protocol 1
// and 2 messages parse exactly as before.
import { z } from 'zod';

export const DIRECT_PROTOCOL_VERSION = 3;
/** Devices one account may register (and so the most envelopes to one side of a conversation). */
export const MAX_DEVICES_PER_ACCOUNT = 8;
/** Envelopes in one `direct`: the recipient's devices plus the sender's other devices. */
export const MAX_ENVELOPES = MAX_DEVICES_PER_ACCOUNT * 2;
/** A sealed body of at most 12 KiB of plaintext as base64url (MAX_DIRECT_BODY_TEXT in crypto/direct-seal.ts; a test keeps them equal). */
export const MAX_DIRECT_BODY_WIRE = Math.ceil(((12 * 1024 + 16) * 4) / 3);

const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const sequence = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const time = z.string().max(40);
const name = z.string().max(64);
const b64url = (length: number): z.ZodString => z.string().length(length).regex(/^[A-Za-z0-9_-]+$/);
const deviceId = z.string().regex(/^[a-z2-7]{16}$/);
const publicKey = b64url(43);
const messageId = z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/);
const fileId = z.string().min(1).max(64);
const body = z.string().min(22).max(MAX_DIRECT_BODY_WIRE).regex(/^[A-Za-z0-9_-]+$/);
/** One device's sealed content key: HPKE `enc` (32 bytes) and the sealed 32-byte key + 16-byte tag. */
export const envelopeSchema = z.object({ device: deviceId, enc: b64url(43), key: b64url(64) });

// Added to `challenge` (protocol 3): the server's stable id (random, made once in its data
// directory, unchanged by rotate-key). A client keeps one device key per (server id, name), so it
// must know the id before it sends `auth`; `welcome` repeats it.
export const challengeDirectFieldsSchema = z.object({ serverId: z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/).optional() });

// Added to `auth` (protocol 3): this device's public key, published (registered accounts: kept;
// guests: for the session), and the last stored direct message id this device kept (resume).
export const authDirectFieldsSchema = z.object({
  device: z.object({ key: publicKey }).optional(),
  directAfter: sequence.optional(),
});

// Added to `welcome`: the server's stable id (profiles are keyed by it; it survives rotate-key)
// and what happened to the published key.
export const welcomeDirectFieldsSchema = z.object({
  serverId: z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/).optional(),
  // new: just registered to the account; known: registered before; session: a guest's, for this
  // session only; refused: not usable (code says why), direct messages are off for this session.
  device: z.object({ id: deviceId, status: z.enum(['new', 'known', 'session', 'refused']), code: z.string().max(64).optional() }).optional(),
});

// Added to `synced`: the newest stored direct message id for this device (its cursor after sync).
export const syncedDirectFieldsSchema = z.object({ direct: z.object({ lastSeq: sequence, truncated: z.boolean().optional() }).optional() });

// Client -> server.
export const directSendSchema = z.object({
  type: z.literal('direct'),
  id: requestId,
  to: name,
  messageId,
  time,
  fileId: fileId.optional(),
  body,
  envelopes: z.array(envelopeSchema).min(1).max(MAX_ENVELOPES),
});
export const directAckSchema = z.object({ type: z.literal('direct-ack'), upTo: sequence });
export const devicesGetSchema = z.object({ type: z.literal('devices-get'), id: requestId, names: z.array(name).min(1).max(16) });

export const directClientMessageSchema = z.discriminatedUnion('type', [directSendSchema, directAckSchema, devicesGetSchema]);
export type DirectClientMessage = z.infer<typeof directClientMessageSchema>;

// Server -> client.
export const directDeliverySchema = z.object({
  type: z.literal('direct'),
  /** Server-assigned, increasing across the server: the resume cursor (like a room message id). */
  seq: sequence,
  messageId,
  from: name,
  fromDevice: deviceId,
  /** The sending device's public key, as the server received it (clients trust it only as docs/PROTOCOL.md says). */
  fromKey: publicKey.optional(),
  /** The conversation's other party for a copy to the sender's own devices; otherwise you. */
  to: name,
  time,
  fileId: fileId.optional(),
  body,
  /** Only this device's envelope. */
  envelope: envelopeSchema,
  /** Delivered from storage at login (before `synced`) rather than live. */
  stored: z.boolean().optional(),
});
const deviceInfoSchema = z.object({ id: deviceId, key: publicKey, added: time.optional(), lastSeen: time.optional(), current: z.boolean().optional() });
export const devicesSchema = z.object({
  type: z.literal('devices'),
  ref: requestId.optional(),
  accounts: z
    .array(z.object({ name, registered: z.boolean(), online: z.boolean(), devices: z.array(deviceInfoSchema).max(MAX_DEVICES_PER_ACCOUNT) }))
    .max(16),
});
/** To the account's own sessions when one of its devices is added or removed. */
export const devicesChangedSchema = z.object({ type: z.literal('devices-changed'), name, devices: z.array(deviceInfoSchema).max(MAX_DEVICES_PER_ACCOUNT), time });

export const directServerMessageSchema = z.discriminatedUnion('type', [directDeliverySchema, devicesSchema, devicesChangedSchema]);
export type DirectServerMessage = z.infer<typeof directServerMessageSchema>;
export type DirectDelivery = z.infer<typeof directDeliverySchema>;
export type DirectSend = z.infer<typeof directSendSchema>;
export type DevicesMessage = z.infer<typeof devicesSchema>;
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;
export type WelcomeDevice = NonNullable<z.infer<typeof welcomeDirectFieldsSchema>['device']>;
export type SyncedDirect = NonNullable<z.infer<typeof syncedDirectFieldsSchema>['direct']>;
