// The worker thread that registers a password with OPAQUE on the server's own machine (the root
// password at a first start): the client's Argon2id stretching grows the library's WebAssembly
// memory by 64 MiB, which never shrinks, so it is done here and dropped with the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { registerLocally, type LocalRegistration } from './opaque.js';

const request = workerData as LocalRegistration;
parentPort?.postMessage(await registerLocally(request.setup, request.id, request.input, request.stretching));
