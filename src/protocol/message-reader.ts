// From bytes to typed messages in one place: frames (FrameDecoder), then UTF-8, JSON and the
// schema. A framing error is fatal and thrown (the stream cannot be resynchronised); everything
// after a frame boundary comes back as a tagged result, so one bad frame is one error reply.
import { ErrorCodes, PartyPoolError } from '../common/errors.js';
import { FrameDecoder, decodePayload } from './frame.js';
import type { ParseResult } from './messages.js';

/** One frame's payload, read: a typed message, or why it is not one (and the request id, if it had one). */
export type ReadResult<T> = { ok: true; message: T } | { ok: false; code: 'BAD_ENCODING' | 'BAD_JSON' | 'BAD_MESSAGE'; message: string; ref?: number };

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

  /** Decode, then validate one payload. */
  read(payload: Buffer): ReadResult<T> {
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
