// Files from the browser to the Party Pool program: `upload-start` (name, size, where), then the
// bytes as binary messages of UPLOAD_CHUNK_BYTES behind a 4-byte upload number, never more than
// UPLOAD_WINDOW_BYTES ahead of what the program said it stored. One file at a time; others wait.
import type { BridgeEvent, PageMessage } from '../protocol.js';
import { UPLOAD_CHUNK_BYTES, UPLOAD_FRAME, UPLOAD_WINDOW_BYTES } from '../upload-frames.js';
import type { UploadRow } from './store.js';

export interface UploadLink {
  send(message: PageMessage): boolean;
  sendBinary(data: Uint8Array): boolean;
}

interface Job {
  row: UploadRow;
  file: File;
  sent: number;
  acked: number;
  reading: boolean;
}

export class Uploader {
  private next = 1;
  private active: Job | undefined;
  private readonly waiting: Job[] = [];

  constructor(
    private readonly link: UploadLink,
    /** A new row for the page's list. */
    private readonly added: (row: UploadRow) => void,
    private readonly refused: (upload: number, message: string) => void,
  ) {}

  /** Queue `file` for a room or '@name'. */
  add(file: File, place: string): void {
    const row: UploadRow = { upload: this.next++, name: file.name, size: file.size, received: 0, state: 'starting', place };
    this.added(row);
    this.waiting.push({ row, file, sent: 0, acked: 0, reading: false });
    this.startNext();
  }

  private startNext(): void {
    if (this.active) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.active = job;
    const where = job.row.place.startsWith('@') ? { to: job.row.place.slice(1) } : { room: job.row.place };
    if (!this.link.send({ type: 'upload-start', upload: job.row.upload, name: job.file.name || 'file', size: job.file.size, ...where })) {
      this.active = undefined;
      this.refused(job.row.upload, 'The Party Pool program is not answering; try again once it is back.');
      this.startNext();
    }
  }

  /** The program's word on an upload. */
  event(event: Extract<BridgeEvent, { type: 'upload' }>): void {
    const job = this.active;
    if (!job || job.row.upload !== event.upload) return;
    if (event.state === 'receiving') {
      job.acked = Math.max(job.acked, event.received);
      void this.pump(job);
      return;
    }
    // Stored (now the program's own transfer), or refused: the next file may start.
    this.active = undefined;
    this.startNext();
  }

  private async pump(job: Job): Promise<void> {
    if (job.reading) return;
    job.reading = true;
    try {
      for (;;) {
        const end = Math.min(job.sent + UPLOAD_CHUNK_BYTES, job.file.size);
        if (this.active !== job || job.sent >= job.file.size || end - job.acked > UPLOAD_WINDOW_BYTES) break;
        const bytes = new Uint8Array(await job.file.slice(job.sent, end).arrayBuffer());
        const frame = new Uint8Array(UPLOAD_FRAME.headerBytes + bytes.length);
        new DataView(frame.buffer).setUint32(0, job.row.upload);
        frame.set(bytes, UPLOAD_FRAME.headerBytes);
        if (!this.link.sendBinary(frame)) {
          this.active = undefined;
          this.refused(job.row.upload, 'The link to the Party Pool program dropped; send the file again.');
          this.startNext();
          return;
        }
        job.sent = end;
      }
    } catch {
      this.link.send({ type: 'upload-cancel', upload: job.row.upload });
      this.active = undefined;
      this.refused(job.row.upload, 'The browser could not read that file.');
      this.startNext();
    } finally {
      job.reading = false;
    }
  }
}
