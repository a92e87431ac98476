// Runs postject in a worker thread: its WebAssembly core parses and rewrites a ~100 MB
// executable synchronously (seconds for a Windows one), which would otherwise stall the build's
// other work and its progress display. It also prints straight to console.warn; that is collected.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import postject from 'postject';

interface InjectJob {
  file: string;
  blobFile: string;
  fuse: string;
}

const job = workerData as InjectJob;
const messages: string[] = [];
console.warn = (...args: unknown[]): void => void messages.push(args.map(String).join(' '));
try {
  await postject.inject(job.file, 'NODE_SEA_BLOB', fs.readFileSync(job.blobFile), { sentinelFuse: job.fuse });
  parentPort?.postMessage({ ok: true, messages });
} catch (error) {
  parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error), messages });
}
