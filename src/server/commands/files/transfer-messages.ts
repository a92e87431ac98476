// The protocol-3 messages that move files (users only): an offer, its chunks, a file's
// description, a download, and stopping a transfer. Offers, descriptions and downloads are
// requests (the command bucket, answered with their id); chunks and cancels are not.
import { FILES_PROTOCOL_VERSION } from '../../../protocol/files.js';
import { memberMessage } from '../table.js';

const request = { roles: ['user'], bucket: 'command', touchesActivity: true, minProtocol: FILES_PROTOCOL_VERSION, audit: false, roleRefusal: 'Root consoles do not share files.' } as const;
// A chunk is one of thousands; the transfer's own limits (the per-session count, the client's window) bound them.
const stream = { ...request, bucket: 'none' } as const;

/** `file-offer`: answered `file-accepted` (the offset to start at) or the refusal. */
export const fileOfferMessage = memberMessage('file-offer', request, ({ ctx, member, message }) => ctx.files.offer(member, message));

/** `file-chunk`: written and confirmed (`file-ack`); a stray chunk of a stopped upload is dropped. */
export const fileChunkMessage = memberMessage('file-chunk', stream, ({ ctx, member, message }) => ctx.files.chunk(member, message.file, message.offset, message.data));

/** `file-info`: the file's description (`file` with the ref). */
export const fileInfoMessage = memberMessage('file-info', request, ({ ctx, member, message }) => ctx.files.info(member, message.file));

/** `file-get`: `file-start`, then `file-data` frames and `file-end`. */
export const fileGetMessage = memberMessage('file-get', request, ({ ctx, member, message }) => ctx.files.get(member, message.file, message.offset));

/** `file-cancel`: no reply. */
export const fileCancelMessage = memberMessage('file-cancel', stream, ({ ctx, member, message }) => ctx.files.cancel(member, message.file));
