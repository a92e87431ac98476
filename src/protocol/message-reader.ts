// From bytes to typed messages in one place: frames (FrameDecoder), then the JSON's shape, UTF-8,
// JSON and the schema. A framing error is fatal and thrown (the stream cannot be resynchronised);
// everything after a frame boundary comes back as a tagged result, so one bad frame is one error
// reply. The shape check is one pass over the bytes before JSON.parse sees them: a 64 KiB frame
// nested 30,000 levels deep costs JSON.parse and the schema about 2,000 times what a ping does,
// and the schema would only strip it afterwards (unknown fields are ignored).
import { ErrorCodes, PartyPoolError } from '../common/errors.js';
import { FrameDecoder, decodePayload } from './frame.js';
import type { ParseResult } from './messages.js';

/** One frame's payload, read: a typed message, or why it is not one (and the request id, if it had one). */
export type ReadResult<T> = { ok: true; message: T } | { ok: false; code: 'BAD_ENCODING' | 'BAD_JSON' | 'BAD_MESSAGE' | 'MESSAGE_TOO_COMPLEX'; message: string; ref?: number };

/** How deep and how wide a payload's JSON may be, checked before it is parsed. */
export interface JsonShapeLimits {
  /** Arrays and objects inside each other, the message object itself counting as 1. */
  readonly maxDepth: number;
  /** Items in any one array. */
  readonly maxArrayItems: number;
  /** Members of any one object. */
  readonly maxObjectMembers: number;
}

/**
 * What a client's message may look like: the deepest client message is 3 levels (auth, its resume
 * list, one entry), the longest list 1,100 entries (resume), the widest object a dozen fields.
 * The limits leave room for messages to grow without letting parsing work grow with the attacker.
 */
export const CLIENT_MESSAGE_SHAPE: JsonShapeLimits = { maxDepth: 8, maxArrayItems: 2048, maxObjectMembers: 64 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Why a payload's JSON is too deep or too wide, or undefined when it is within `limits` (or is not
 * JSON at all: JSON.parse reports that). One pass over the bytes, stopping at the first excess;
 * structural characters are ASCII and never occur inside a UTF-8 sequence, so bytes are enough.
 */
export function jsonShapeProblem(payload: Uint8Array, limits: JsonShapeLimits): string | undefined {
  const separators = new Int32Array(limits.maxDepth + 1);
  const isArray = new Uint8Array(limits.maxDepth + 1);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < payload.length; i++) {
    const byte = payload[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > limits.maxDepth) return `nested more than ${limits.maxDepth} levels deep`;
        separators[depth] = 0;
        isArray[depth] = byte === OPEN_ARRAY ? 1 : 0;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        // Unbalanced: not JSON, which JSON.parse will say.
        if (--depth < 0) return undefined;
        break;
      case COMMA:
      {
        if (depth === 0) break;
        // n separators mean n + 1 items.
        const items = (separators[depth] ?? 0) + 2;
        separators[depth] = items - 1;
        const inArray = isArray[depth] === 1;
        if (items > (inArray ? limits.maxArrayItems : limits.maxObjectMembers)) return inArray ? `a list of more than ${limits.maxArrayItems} items` : `an object of more than ${limits.maxObjectMembers} fields`;
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/**
 * The most pieces (socket reads) one frame may arrive in. A peer that trickles a frame in tiny
 * TLS records would otherwise make the decoder hold thousands of small buffers, each with its own
 * overhead; a real client writes a frame at once, so it arrives in a few records.
 */
export function maxPiecesFor(maxFrameBytes: number): number {
  return Math.max(1024, Math.ceil(maxFrameBytes / 64));
}

export class MessageReader<T> {
  private readonly decoder: FrameDecoder;
  /** Reads that went into the frame being assembled now. */
  private pieces = 0;

  constructor(
    private readonly parse: (value: unknown) => ParseResult<T>,
    maxFrameBytes: number,
    private readonly maxPieces = maxPiecesFor(maxFrameBytes),
    /** Checked before JSON.parse when given (the server reading clients); a client trusts its pinned server. */
    private readonly shape?: JsonShapeLimits,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
  }

  /**
   * Feed one read from the socket; returns the complete payloads it finished (read each with
   * `read`). Throws a fatal PartyPoolError: FRAME_TOO_LARGE, FRAME_EMPTY or FRAME_FRAGMENTED.
   */
  push(chunk: Buffer): Buffer[] {
    const payloads = this.decoder.push(chunk);
    // After a complete frame, whatever is buffered came with the last read: one piece.
    if (payloads.length > 0) this.pieces = this.decoder.bufferedBytes > 0 ? 1 : 0;
    else if (this.decoder.bufferedBytes > 0 && ++this.pieces > this.maxPieces) {
      throw new PartyPoolError('FRAME_FRAGMENTED', `A frame arrived in more than ${this.maxPieces} pieces.`);
    }
    return payloads;
  }

  /** Check the shape, decode, then validate one payload. */
  read(payload: Buffer): ReadResult<T> {
    const problem = this.shape ? jsonShapeProblem(payload, this.shape) : undefined;
    if (problem) return { ok: false, code: 'MESSAGE_TOO_COMPLEX', message: `${ErrorCodes.MESSAGE_TOO_COMPLEX.message} (${problem})` };
    let value: unknown;
    try {
      value = decodePayload(payload);
    } catch (error) {
      const code = error instanceof PartyPoolError && error.code === 'BAD_ENCODING' ? 'BAD_ENCODING' : 'BAD_JSON';
      return { ok: false, code, message: ErrorCodes[code].message };
    }
    const parsed = this.parse(value);
    if (parsed.ok) return { ok: true, message: parsed.message };
    const ref = refOf(value);
    return { ok: false, code: 'BAD_MESSAGE', message: `${ErrorCodes.BAD_MESSAGE.message} (${parsed.detail})`, ...(ref === undefined ? {} : { ref }) };
  }
}

/** The request id of an invalid message, when it has one, so the error can point at it. */
function refOf(value: unknown): number | undefined {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id: unknown = Reflect.get(value, 'id');
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  }
  return undefined;
}
