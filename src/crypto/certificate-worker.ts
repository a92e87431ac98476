// The worker thread that issues a self-signed certificate (crypto/certificate.ts), so that the
// X.509 library is loaded, used and dropped with the thread instead of staying in the server.
import { parentPort, workerData } from 'node:worker_threads';
import { issueCertificate, type CertificateRequest } from './certificate.js';

parentPort?.postMessage(await issueCertificate(workerData as CertificateRequest));
