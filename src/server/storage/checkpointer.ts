// WAL checkpoints on a background thread. SQLite's automatic checkpoint runs inside whichever
// commit crosses the threshold, copying pages and fsyncing the database on the event loop: a
// multi-millisecond stall for whoever's message it was. A second connection on a worker thread
// checkpoints (PASSIVE: never blocks the writer) on a timer instead; if that thread fails, the
// main connection falls back to SQLite's own automatic checkpoints, so the WAL never grows unbounded.
//
// The thread runs only while the database is being written: a worker is a whole second Node
// environment (about 7 MB of resident memory), which an idle server should not carry. Once the WAL
// has been fully checkpointed and nothing was written for a while, the thread ends (SQLite's
// automatic checkpoints cover the gap); a glance at the WAL file each interval starts it again on
// the next write.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from '../../data-dir/store.js';

/** Intervals with nothing new in the WAL (all of it checkpointed) before the thread ends. */
export const IDLE_INTERVALS = 30;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let lastLog = -1;
let quiet = 0;
const checkpoint = (mode) => {
  try {
    const [row] = db.pragma('wal_checkpoint(' + mode + ')');
    if (!row) return;
    // Idle: the WAL did not grow and every frame in it is in the database.
    quiet = row.log === lastLog && row.checkpointed === row.log ? quiet + 1 : 0;
    lastLog = row.log;
    if (quiet >= workerData.idleIntervals) stop('idle');
  } catch (error) { parentPort.postMessage({ error: String(error && error.message) }); }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
const stop = (why) => {
  clearInterval(timer);
  if (why === 'stop') checkpoint('PASSIVE');
  db.close();
  parentPort.postMessage({ stopped: why });
};
parentPort.on('message', (message) => { if (message === 'stop') stop('stop'); });
parentPort.postMessage({ ready: true });
`;

/** SQLite's default: checkpoint when the WAL reaches 1000 pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export class Checkpointer {
  private worker: Worker | undefined;
  private watch: NodeJS.Timeout | undefined;
  /** The WAL file as last seen while no thread ran: a change means someone wrote. */
  private walSeen = '';
  private stopped = false;
  /** The thread died on its own: SQLite's automatic checkpoints for the rest of this run. */
  private failed = false;

  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly onError: (reason: string) => void,
  ) {}

  /** Whether the checkpoint thread runs now (it does only while the database is written). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Start watching the WAL; the thread starts on the next write. Automatic checkpoints stay on until it is ready. */
  start(): void {
    this.walSeen = this.walState();
    this.watch = setInterval(() => {
      if (!this.worker && !this.stopped && !this.failed && this.walState() !== this.walSeen) this.startWorker();
    }, this.intervalMs);
    this.watch.unref();
  }

  private walState(): string {
    try {
      const stat = fs.statSync(`${this.file}-wal`);
      return `${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'none';
    }
  }

  private startWorker(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file: this.file, intervalMs: this.intervalMs, idleIntervals: IDLE_INTERVALS } });
    this.worker = worker;
    worker.unref();
    let idle = false;
    worker.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      if (Reflect.get(message, 'ready') === true && !this.stopped) this.db.pragma('wal_autocheckpoint = 0');
      const stopped: unknown = Reflect.get(message, 'stopped');
      if (stopped === 'idle') {
        idle = true;
        this.automatic();
        this.walSeen = this.walState();
      }
      if (stopped !== undefined) void worker.terminate();
      const error: unknown = Reflect.get(message, 'error');
      if (typeof error === 'string') this.onError(error);
    });
    worker.on('error', (error) => this.onError(error.message));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      if (idle || this.stopped || !this.db.open) return;
      this.failed = true;
      this.automatic();
      this.onError('the checkpoint thread stopped; SQLite checkpoints automatically again');
    });
  }

  /** SQLite's own checkpoints, while no thread does them. */
  private automatic(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
  }

  /** Checkpoint once more and stop the thread (before the main connection closes). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.watch) clearInterval(this.watch);
    const worker = this.worker;
    if (worker) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage('stop');
      });
    }
    this.automatic();
  }
}
