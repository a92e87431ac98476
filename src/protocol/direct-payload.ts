// What is inside a sealed direct message: only the two clients ever see this; the server relays
// it as ciphertext. `from` and `to` are the account names as the sender wrote them, so a server
// cannot relabel a message as coming from, or meant for, someone else (the receiving client
// compares them with the routing it was given). Files (issue 14) carry their content key here.
import { z } from 'zod';
import { NAME_PATTERN } from './names.js';

export const DIRECT_PAYLOAD_VERSION = 1;
/** Chat text limit in code points (as for room messages); checked by the receiving client too. */
export const DIRECT_TEXT_MAX = 2000;

const accountName = z.string().regex(NAME_PATTERN);
const base64url = (length: number): z.ZodString => z.string().length(length).regex(/^[A-Za-z0-9_-]+$/);

const textPayloadSchema = z.object({
  v: z.literal(DIRECT_PAYLOAD_VERSION),
  kind: z.literal('text'),
  from: accountName,
  to: accountName,
  // A UTF-16 bound large enough for 2,000 code points; the code-point limit is checked by checkText.
  text: z.string().min(1).max(DIRECT_TEXT_MAX * 2),
});

const filePayloadSchema = z.object({
  v: z.literal(DIRECT_PAYLOAD_VERSION),
  kind: z.literal('file'),
  from: accountName,
  to: accountName,
  file: z.object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(255),
    size: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The file's content key (32 bytes, base64url): the file's chunks are sealed under it. */
    key: base64url(43),
  }),
});

export const directPayloadSchema = z.discriminatedUnion('kind', [textPayloadSchema, filePayloadSchema]);
export type DirectPayload = z.infer<typeof directPayloadSchema>;

/** The bytes to seal. */
export function encodeDirectPayload(payload: DirectPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** The payload in opened bytes, or undefined when they are not one (drop the message). */
export function parseDirectPayload(bytes: Uint8Array): DirectPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  const parsed = directPayloadSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
