// Length-prefixed frames: a 4-byte big-endian payload length, then that many bytes of UTF-8
// JSON. The decoder is a two-state machine that checks the declared length against the limit
// before it buffers a single payload byte.
import { PartyPoolError } from '../common/errors.js';

export const FRAME_HEADER_BYTES = 4;

/** Encode one message as a frame. Broadcasts call this once and share the bytes. */
export function encodeFrame(message: unknown): Buffer {
  const json = JSON.stringify(message);
  const length = Buffer.byteLength(json, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, FRAME_HEADER_BYTES, 'utf8');
  return frame;
}

/**
 * Encode several messages as consecutive frames in one buffer (a run of chat lines that every
 * recipient gets whole); `largest` is its biggest frame, for the outbound size limit.
 */
export function encodeFrames(messages: readonly unknown[]): { bytes: Buffer; largest: number } {
  const jsons = messages.map((message) => JSON.stringify(message));
  const lengths = jsons.map((json) => Buffer.byteLength(json, 'utf8'));
  let total = 0;
  let largest = 0;
  for (const length of lengths) {
    total += FRAME_HEADER_BYTES + length;
    largest = Math.max(largest, FRAME_HEADER_BYTES + length);
  }
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  jsons.forEach((json, index) => {
    const length = lengths[index] ?? 0;
    bytes.writeUInt32BE(length, at);
    bytes.write(json, at + FRAME_HEADER_BYTES, length, 'utf8');
    at += FRAME_HEADER_BYTES + length;
  });
  return { bytes, largest };
}

type DecoderState = 'header' | 'payload';

/**
 * Turns a byte stream into frame payloads. `push` returns the complete payloads found so far;
 * it throws a fatal PartyPoolError (FRAME_TOO_LARGE, FRAME_EMPTY) after which the stream
 * cannot be resynchronised and the connection must close.
 */
export class FrameDecoder {
  private state: DecoderState = 'header';
  private chunks: Buffer[] = [];
  private buffered = 0;
  private payloadLength = 0;
  private failed = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.state === 'header') {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length === 0) return this.fail('FRAME_EMPTY');
        if (length > this.maxFrameBytes) return this.fail('FRAME_TOO_LARGE', `A frame of ${length} bytes is over the limit of ${this.maxFrameBytes}.`);
        this.payloadLength = length;
        this.state = 'payload';
      } else {
        if (this.buffered < this.payloadLength) break;
        frames.push(this.take(this.payloadLength));
        this.state = 'header';
      }
    }
    return frames;
  }

  private fail(code: 'FRAME_EMPTY' | 'FRAME_TOO_LARGE', message?: string): never {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    throw new PartyPoolError(code, message);
  }

  /** Remove exactly `count` bytes from the front of the buffered chunks. */
  private take(count: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return out;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const head = this.chunks[0];
      // take() is only called with count <= buffered: reaching this is a bug, not bad input.
      if (head === undefined) throw new PartyPoolError('INTERNAL', 'Frame decoder underflow.');
      const part = Math.min(head.length, count - filled);
      head.copy(out, filled, 0, part);
      filled += part;
      if (part === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(part);
    }
    this.buffered -= count;
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode a frame payload to an untyped JSON value; throws BAD_ENCODING or BAD_JSON. */
export function decodePayload(payload: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new PartyPoolError('BAD_ENCODING');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PartyPoolError('BAD_JSON');
  }
}
