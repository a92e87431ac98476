// File sharing (issue 14, protocol 3) as zod schemas: offers, chunks, downloads and listings.
// A file moves in chunks of raw bytes, base64 inside ordinary frames, each chunk well under the
// frame limit; every chunk names its byte offset, so a transfer resumes from any confirmed offset.
// messages.ts adds these schemas to the client and server message unions.
import { z } from 'zod';
import { FRAME_HEADER_BYTES } from './frame.js';

/** The protocol version that has files; older sessions get CLIENT_TOO_OLD and never see a file event. */
export const FILES_PROTOCOL_VERSION = 3;
/** The largest raw chunk either side sends (the server announces its own size, at most this, in `file-accepted`). */
export const MAX_FILE_CHUNK_BYTES = 32 * 1024;
/** A chunk of MAX_FILE_CHUNK_BYTES in base64. */
export const MAX_FILE_CHUNK_BASE64 = Math.ceil(MAX_FILE_CHUNK_BYTES / 3) * 4;
/** The longest name an offer may carry (the server makes it safe and shorter). */
export const MAX_OFFERED_NAME = 1024;

const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const fileId = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const byteCount = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const roomName = z.string().max(64);
const userName = z.string().max(64);
const time = z.string().max(40);
const fileName = z.string().max(MAX_OFFERED_NAME);
// No regex over ~44 KB per chunk (a tenth of the server's time in a transfer): decodeChunk checks
// the bytes instead, and the file's SHA-256 is checked at the end anyway.
const chunkData = z.string().max(MAX_FILE_CHUNK_BASE64);

// Client -> server.
/**
 * Share a file: to a `room` (its name and SHA-256 declared up front, checked at the end) or to one
 * person (`to`: the bytes are ciphertext, the name stays on the devices, `sha256` is optional).
 * `resume` names a partial upload of this uploader to continue; without it the server finds one
 * with the same target, size and SHA-256. Answered `file-accepted` (where to start) or `error`.
 */
export const fileOfferSchema = z.object({
  type: z.literal('file-offer'),
  id: requestId,
  room: roomName.optional(),
  to: userName.optional(),
  name: fileName.optional(),
  size: byteCount,
  sha256: sha256.optional(),
  resume: fileId.optional(),
});
/** Bytes of an accepted upload at `offset` (exactly where the server's count stands). No reply but `file-ack`. */
export const fileChunkSchema = z.object({ type: z.literal('file-chunk'), file: fileId, offset: byteCount, data: chunkData });
/** A file's description (answered `file` with `ref`), so a download knows its name and size before it starts. */
export const fileInfoSchema = z.object({ type: z.literal('file-info'), id: requestId, file: fileId });
/** Download from `offset`: answered `file-start`, then `file-data` frames and `file-end` (or `file-failed`). */
export const fileGetSchema = z.object({ type: z.literal('file-get'), id: requestId, file: fileId, offset: byteCount });
/** Stop this session's upload or download of `file` (no reply); its slot is free at once. */
export const fileCancelSchema = z.object({ type: z.literal('file-cancel'), file: fileId });

// Server -> client.
/** A shared file. To a room's members when it is published; to the uploader of a direct file; and as the answer to `file-info` (with `ref`). */
export const fileSharedSchema = z.object({
  type: z.literal('file'),
  ref: requestId.optional(),
  id: fileId,
  room: roomName.optional(),
  to: userName.optional(),
  from: userName,
  /** '' for a file sent to one person: its name travels only inside the direct message. */
  name: fileName,
  size: byteCount,
  sha256,
  time,
});
export const fileAcceptedSchema = z.object({ type: z.literal('file-accepted'), ref: requestId, file: fileId, offset: byteCount, chunkBytes: z.int().min(1).max(MAX_FILE_CHUNK_BYTES) });
/** Bytes up to `offset` are written on the server. */
export const fileAckSchema = z.object({ type: z.literal('file-ack'), file: fileId, offset: byteCount });
export const fileStartSchema = z.object({ type: z.literal('file-start'), ref: requestId, file: fileId, offset: byteCount, size: byteCount });
export const fileDataSchema = z.object({ type: z.literal('file-data'), file: fileId, offset: byteCount, data: chunkData });
export const fileEndSchema = z.object({ type: z.literal('file-end'), file: fileId });
/** An upload or download stopped after it began (a refusal before it began is an `error` with the request's `ref`). */
export const fileFailedSchema = z.object({ type: z.literal('file-failed'), file: fileId, code: z.string().max(64), message: z.string().max(1000) });
const fileEntrySchema = z.object({
  id: fileId,
  name: fileName,
  size: byteCount,
  from: userName,
  room: roomName.optional(),
  to: userName.optional(),
  sha256,
  time,
});
/** The answer to `files`: newest first. */
export const filesListSchema = z.object({
  type: z.literal('files'),
  ref: requestId.optional(),
  room: roomName.optional(),
  with: userName.optional(),
  files: z.array(fileEntrySchema).max(1000),
  total: byteCount,
});

export const fileClientSchemas = [fileOfferSchema, fileChunkSchema, fileInfoSchema, fileGetSchema, fileCancelSchema] as const;
export const fileServerSchemas = [fileSharedSchema, fileAcceptedSchema, fileAckSchema, fileStartSchema, fileDataSchema, fileEndSchema, fileFailedSchema, filesListSchema] as const;

export type FileOffer = z.infer<typeof fileOfferSchema>;
export type FileShared = z.infer<typeof fileSharedSchema>;
export type FileEntry = z.infer<typeof fileEntrySchema>;
export type FilesList = z.infer<typeof filesListSchema>;

/**
 * A chunk's bytes, or undefined when `data` is not canonical base64: Node's decoder skips
 * characters that do not belong, so a chunk with any of them decodes to fewer bytes than its
 * length promises.
 */
export function decodeChunk(data: string): Buffer | undefined {
  if (data.length % 4 !== 0) return undefined;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(data, 'base64');
  return bytes.length === (data.length / 4) * 3 - padding ? bytes : undefined;
}

/**
 * A `file-chunk` (client) or `file-data` (server) frame built directly: the same bytes
 * encodeFrame makes of {type, file, offset, data}, without JSON.stringify, which takes about
 * five times as long as the base64 itself scanning ~44 KB for characters to escape (base64 has
 * none). A transfer sends thousands of these.
 */
export function encodeFileFrame(type: 'file-chunk' | 'file-data', file: number, offset: number, chunk: Buffer): Buffer {
  const head = `{"type":"${type}","file":${file},"offset":${offset},"data":"`;
  const data = chunk.toString('base64');
  const length = head.length + data.length + 2;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  let at = FRAME_HEADER_BYTES + frame.write(head, FRAME_HEADER_BYTES, 'latin1');
  at += frame.write(data, at, 'latin1');
  frame.write('"}', at, 'latin1');
  return frame;
}
