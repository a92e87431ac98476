// WAL checkpoints on a background thread. SQLite's automatic checkpoint runs inside whichever
// commit crosses the threshold, copying pages and fsyncing the database on the event loop: a
// multi-millisecond stall for whoever's message it was. A second connection on a worker thread
// checkpoints (PASSIVE: never blocks the writer) on a timer instead; if that thread fails, the
// main connection falls back to SQLite's own automatic checkpoints, so the WAL never grows unbounded.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from '../../data-dir/store.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const checkpoint = (mode) => {
  try { db.pragma('wal_checkpoint(' + mode + ')'); } catch (error) { parentPort.postMessage({ error: String(error && error.message) }); }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint('PASSIVE');
  db.close();
  parentPort.postMessage({ stopped: true });
});
parentPort.postMessage({ ready: true });
`;

/** SQLite's default: checkpoint when the WAL reaches 1000 pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export class Checkpointer {
  private worker: Worker | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly onError: (reason: string) => void,
  ) {}

  /** Start the thread; automatic checkpoints stay on until it reports ready. */
  start(): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file: this.file, intervalMs: this.intervalMs } });
    this.worker = worker;
    worker.unref();
    worker.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      if (Reflect.get(message, 'ready') === true && !this.stopped) this.db.pragma('wal_autocheckpoint = 0');
      if (Reflect.get(message, 'stopped') === true) void worker.terminate();
      const error: unknown = Reflect.get(message, 'error');
      if (typeof error === 'string') this.onError(error);
    });
    const fallBack = (): void => {
      if (this.stopped || !this.db.open) return;
      this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      this.onError('the checkpoint thread stopped; SQLite checkpoints automatically again');
    };
    worker.on('error', (error) => {
      this.onError(error.message);
      fallBack();
    });
    worker.on('exit', fallBack);
  }

  /** Checkpoint once more and stop the thread (before the main connection closes). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('stop');
    });
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
  }
}
