// End-to-end sealing of one direct message to every device that should read it (the recipient's
// devices and the sender's other devices).
//
// The body is encrypted once under a fresh content key (content-cipher.ts, one final chunk), and
// that 32-byte key is sealed to each device separately with HPKE (RFC 9180) in auth mode,
// DHKEM(X25519, HKDF-SHA256) + HKDF-SHA256 + AES-256-GCM. Each device's sealed key carries, as
// its associated data: the protocol label, the sender and recipient device ids, the message id,
// the time, the kind (message or file, with the file id) and the SHA-256 of the body ciphertext.
// So a device that opens its key knows (auth mode) that the sender's device made it, for this
// device, for this message and exactly this body — another recipient who knows the content key
// cannot swap the body, and the server can neither read, alter, re-address nor re-date anything.
// (Sealing the whole body per device would repeat it up to 16 times in one 64 KiB frame.)
import crypto from 'node:crypto';
import { PartyPoolError } from '../common/errors.js';
import { lengthPrefixed } from '../common/length-prefixed.js';
import { CONTENT_KEY_BYTES, CONTENT_TAG_BYTES, newContentKey, openChunk, sealChunk, type ContentBinding } from './content-cipher.js';
import { checkDevicePublicKey, encodeKey, type DeviceKeyPair, type DevicePublicKey } from './device-key.js';
import { X25519_KEY_BYTES, hpkeSuite } from './hpke.js';

/** HPKE `info` for every direct-message seal; also the first associated-data field. */
export const DIRECT_LABEL = 'party-pool/v3 direct';
/** The largest body plaintext sealDirect accepts (a 2,000-character text is at most ~8 KiB of UTF-8). */
export const MAX_DIRECT_BODY_BYTES = 12 * 1024;
/** The body as base64url can be no longer than this. */
export const MAX_DIRECT_BODY_TEXT = Math.ceil(((MAX_DIRECT_BODY_BYTES + CONTENT_TAG_BYTES) * 4) / 3);
/** A sealed content key: 32 bytes of key and a 16-byte tag. */
const SEALED_KEY_BYTES = CONTENT_KEY_BYTES + CONTENT_TAG_BYTES;
const MAX_CONTEXT_FIELD = 64;

/** What the sender fixes before sealing; all of it is bound into every device's seal. */
export interface DirectContext {
  /** Random, made by the sender (newMessageId): the same id on every device, used to drop duplicates. */
  readonly messageId: string;
  /** ISO 8601, the sender's clock corrected by the server's (welcome.time). */
  readonly time: string;
  /** Set when the message carries a file's key (issue 14). */
  readonly fileId?: string | undefined;
}

/** One device's copy of the content key. Binary fields are base64url. */
export interface DirectEnvelope {
  readonly device: string;
  /** HPKE encapsulated key (32 bytes). */
  readonly enc: string;
  /** The content key sealed to this device (48 bytes). */
  readonly key: string;
}

export interface SealedDirect {
  /** The body, encrypted once (base64url). */
  readonly body: string;
  readonly envelopes: readonly DirectEnvelope[];
}

/** 16 random bytes as base64url (22 characters). */
export function newMessageId(): string {
  return crypto.randomBytes(16).toString('base64url');
}

function checkContext(context: DirectContext): void {
  for (const value of [context.messageId, context.time, context.fileId ?? 'x']) {
    if (value.length === 0 || value.length > MAX_CONTEXT_FIELD) throw new RangeError('Message ids, times and file ids are 1-64 characters.');
  }
}

function bodyBinding(context: DirectContext): ContentBinding {
  return { purpose: 'direct-body', id: context.messageId };
}

/** The associated data of one device's sealed content key (exported for the protocol notes and tests). */
export function envelopeAssociatedData(senderDeviceId: string, recipientDeviceId: string, context: DirectContext, body: Uint8Array): Buffer {
  return lengthPrefixed([
    Buffer.from(DIRECT_LABEL),
    Buffer.from(senderDeviceId),
    Buffer.from(recipientDeviceId),
    Buffer.from(context.messageId),
    Buffer.from(context.time),
    Buffer.from(context.fileId === undefined ? 'message' : 'file'),
    Buffer.from(context.fileId ?? ''),
    crypto.createHash('sha256').update(body).digest(),
  ]);
}

/**
 * Seal `plaintext` so that each of `devices` (and only they) can open it, authenticated as
 * `sender`. Throws DEVICE_KEY_INVALID for a malformed device; RangeError for bad arguments.
 */
export async function sealDirect(sender: DeviceKeyPair, devices: readonly DevicePublicKey[], context: DirectContext, plaintext: Uint8Array): Promise<SealedDirect> {
  checkContext(context);
  if (devices.length === 0) throw new RangeError('A direct message needs at least one device to seal to.');
  if (new Set(devices.map((device) => device.id)).size !== devices.length) throw new RangeError('Each device is sealed to once.');
  if (plaintext.length > MAX_DIRECT_BODY_BYTES) throw new RangeError(`A direct message body is at most ${MAX_DIRECT_BODY_BYTES} bytes.`);
  const keys = devices.map((device) => ({ id: device.id, key: checkDevicePublicKey(device) }));
  const contentKey = newContentKey();
  try {
    const body = sealChunk(contentKey, bodyBinding(context), { index: 0, final: true }, plaintext);
    const suite = hpkeSuite();
    const info = Buffer.from(DIRECT_LABEL);
    const envelopes: DirectEnvelope[] = [];
    for (const device of keys) {
      const recipientPublicKey = await suite.kem.deserializePublicKey(device.key);
      const sealed = await suite.seal({ recipientPublicKey, senderKey: sender.hpke, info }, contentKey, envelopeAssociatedData(sender.id, device.id, context, body));
      envelopes.push({ device: device.id, enc: encodeKey(new Uint8Array(sealed.enc)), key: encodeKey(new Uint8Array(sealed.ct)) });
    }
    return { body: encodeKey(body), envelopes };
  } finally {
    contentKey.fill(0);
  }
}

function decodeExact(text: string, bytes: number): Buffer | undefined {
  if (text.length !== Math.ceil((bytes * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url');
  return decoded.length === bytes ? decoded : undefined;
}

/**
 * Open a direct message sealed by `sender` for this device. Anything altered, re-addressed, from
 * another key or too large is DECRYPT_FAILED (never garbage); a malformed sender key is
 * DEVICE_KEY_INVALID.
 */
export async function openDirect(recipient: DeviceKeyPair, sender: DevicePublicKey, context: DirectContext, body: string, envelope: DirectEnvelope): Promise<Buffer> {
  const senderKey = checkDevicePublicKey(sender);
  const fail = (why: string): PartyPoolError => new PartyPoolError('DECRYPT_FAILED', `A direct message did not open (${why}); it was dropped.`);
  try {
    checkContext(context);
  } catch {
    throw fail('malformed id or time');
  }
  if (envelope.device !== recipient.id) throw fail('sealed for another device');
  if (body.length > MAX_DIRECT_BODY_TEXT || !/^[A-Za-z0-9_-]*$/.test(body)) throw fail('malformed or too large');
  const enc = decodeExact(envelope.enc, X25519_KEY_BYTES);
  const sealedKey = decodeExact(envelope.key, SEALED_KEY_BYTES);
  if (enc === undefined || sealedKey === undefined) throw fail('malformed key envelope');
  const bodyBytes = Buffer.from(body, 'base64url');
  const suite = hpkeSuite();
  let contentKey: Buffer;
  try {
    const senderPublicKey = await suite.kem.deserializePublicKey(senderKey);
    const opened = await suite.open(
      { recipientKey: recipient.hpke, enc, senderPublicKey, info: Buffer.from(DIRECT_LABEL) },
      sealedKey,
      envelopeAssociatedData(sender.id, recipient.id, context, bodyBytes),
    );
    contentKey = Buffer.from(opened);
  } catch {
    throw fail('integrity check failed');
  }
  try {
    return openChunk(contentKey, bodyBinding(context), { index: 0, final: true }, bodyBytes);
  } catch {
    throw fail('body integrity check failed');
  } finally {
    contentKey.fill(0);
  }
}
