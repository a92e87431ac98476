// The server log file, as a winston transport that survives a failing disk. winston's own File
// transport swallows write errors (ENOSPC) and then stalls, while the logger keeps every later
// line in memory: on a full disk the server would slowly eat its memory and the admin would never
// know. This one appends in order from a bounded queue, drops lines it cannot write (and later
// writes how many were lost), reports each failure as a 'failure' event, and rotates the file
// (server.log -> server.log.1 -> ...) at a size limit.
import fs from 'node:fs/promises';
import type winston from 'winston';
import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');

export interface LogFileOptions {
  file: string;
  maxFileBytes: number;
  /** Files kept in all: the current one and maxFiles - 1 rotated ones. */
  maxFiles: number;
  /** Lines waiting to be written are capped at this many bytes; beyond it they are dropped. */
  maxQueuedBytes: number;
  format: winston.Logform.Format;
}

export class LogFileTransport extends TransportStream {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | undefined;
  private size: number | undefined;
  /** Lines lost since the last successful write. */
  private lost = 0;

  constructor(private readonly options: LogFileOptions) {
    super({ format: options.format });
  }

  /** winston hands over each formatted line here; it never waits for the disk. */
  override log(info: unknown, next: () => void): void {
    const line: unknown = Reflect.get(Object(info), MESSAGE);
    if (typeof line === 'string') this.enqueue(line + '\n');
    next();
  }

  /** Resolves once every queued line has been written (or dropped). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flushed().then(() => callback(), callback);
  }

  private enqueue(line: string): void {
    if (this.queuedBytes + line.length > this.options.maxQueuedBytes) {
      this.lost += 1;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.kick();
  }

  /** Start the writer unless it runs already; lines queued as it finishes get a writer of their own. */
  private kick(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      const reported = this.lost;
      const noted = reported > 0 ? 1 : 0;
      if (noted) lines.unshift(`${new Date().toISOString()} warn ${reported} log line${reported === 1 ? ' was' : 's were'} lost: the log file could not be written\n`);
      let next = 0;
      try {
        while (next < lines.length) {
          // As many lines as still fit in this file (at least one, into an empty file).
          const size = await this.currentSize();
          let bytes = 0;
          let end = next;
          while (end < lines.length) {
            const length = Buffer.byteLength(lines[end] ?? '');
            if (end > next && size + bytes + length > this.options.maxFileBytes) break;
            if (end === next && size > 0 && size + length > this.options.maxFileBytes) break;
            bytes += length;
            end++;
          }
          if (end === next) {
            await this.rotate();
            continue;
          }
          await fs.appendFile(this.options.file, lines.slice(next, end).join(''), { mode: 0o600 });
          // Once the note is on disk, the earlier losses are told.
          if (next === 0) this.lost -= reported;
          this.size = size + bytes;
          next = end;
        }
      } catch (error) {
        // Lines of this batch not written are lost too (the note, if unwritten, is not a line).
        const unwritten = lines.length - next;
        this.lost += next === 0 ? unwritten - noted : unwritten;
        // Start afresh next time: the file may have been replaced or the disk cleaned up.
        this.size = undefined;
        this.emit('failure', error);
      }
    }
  }

  private async currentSize(): Promise<number> {
    this.size ??= await fs.stat(this.options.file).then(
      (stat) => stat.size,
      () => 0,
    );
    return this.size;
  }

  /** server.log -> server.log.1 -> ... ; the oldest beyond maxFiles is removed. */
  private async rotate(): Promise<void> {
    const file = this.options.file;
    const keep = this.options.maxFiles - 1;
    if (keep < 1) await fs.rm(file, { force: true });
    else {
      await fs.rm(`${file}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) await fs.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
      await fs.rename(file, `${file}.1`);
    }
    this.size = 0;
  }
}
