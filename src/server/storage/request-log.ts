// `/request` storage: one line per request, appended and flushed to disk before the user is
// told it was stored; the file is capped and rotated (file, file.1 ... file.N).
import fs from 'node:fs/promises';
import path from 'node:path';

export interface RequestLogOptions {
  dir: string;
  fileName: string;
  maxFileBytes: number;
  keepRotated: number;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `[YYYY-MM-DD HH:MM:SS]` in the server's local time, as the old servers wrote it. */
export function formatRequestTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export class RequestLog {
  private queue: Promise<void> = Promise.resolve();
  readonly file: string;

  constructor(private readonly options: RequestLogOptions) {
    this.file = path.join(options.dir, options.fileName);
  }

  /** Append one request; resolves once it is on disk. Writes are serialised. */
  append(user: string, address: string, message: string, at: Date): Promise<void> {
    const line = `[${formatRequestTime(at)}] ${user} (${address}): ${message}\n`;
    const run = this.queue.then(() => this.write(line));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The last `count` stored requests, newest last (used by the root console). */
  async tail(count: number): Promise<string[]> {
    await this.queue;
    const files = [this.file, ...Array.from({ length: this.options.keepRotated }, (_, i) => `${this.file}.${i + 1}`)];
    const lines: string[] = [];
    for (const file of files) {
      if (lines.length >= count) break;
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        continue;
      }
      const fileLines = text.split('\n').filter((l) => l.length > 0);
      lines.unshift(...fileLines.slice(-(count - lines.length)));
    }
    return lines.slice(-count);
  }

  private async write(line: string): Promise<void> {
    const size = await fs.stat(this.file).then((s) => s.size, () => 0);
    if (size > 0 && size + Buffer.byteLength(line) > this.options.maxFileBytes) await this.rotate();
    const handle = await fs.open(this.file, 'a', 0o600);
    try {
      await handle.appendFile(line, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private async rotate(): Promise<void> {
    const keep = this.options.keepRotated;
    await fs.rm(`${this.file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      await fs.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
    }
    await fs.rename(this.file, `${this.file}.1`);
  }
}
