// The page's uploads as binary WebSocket messages, shared by the page and the bridge (this module
// imports nothing, so the page's bundle stays small).

/**
 * An upload's bytes, page -> bridge, as binary WebSocket messages: 4 bytes (the upload's number,
 * big-endian) then at most UPLOAD_CHUNK_BYTES of the file, in order. The page keeps at most
 * UPLOAD_WINDOW_BYTES sent and not yet acknowledged (`upload` events carry `received`).
 */
export const UPLOAD_FRAME = { headerBytes: 4 } as const;
export const UPLOAD_CHUNK_BYTES = 48 * 1024;
export const UPLOAD_WINDOW_BYTES = 8 * UPLOAD_CHUNK_BYTES;
