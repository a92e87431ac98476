// `party-pool rotate-key`: move the server to its pre-generated next key (whose fingerprint
// every package already pins as a backup) and make a new next key. Refused while the server
// runs, because the running server keeps serving the old key until it restarts.
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { processAlive } from '../common/processes.js';
import { generateKeyPair, keyPairFromPrivateKey, selfSignedCertificate } from '../crypto/certificate.js';
import { fingerprintOfCertificate } from '../crypto/fingerprint.js';
import { writePrivateFile } from './files.js';
import { runningServerPid, serverInfoPath } from './server-info.js';
import { CERT_FILE, KEY_FILE, NEXT_KEY_FILE, fingerprintOfPrivateKey, loadOrCreateNextKey, readPinnedFingerprints } from './identity.js';

export interface RotationResult {
  previous: string;
  current: string;
  next: string;
}

/** Promote the next key to current (with a new self-signed certificate) and create a new next key. */
export async function rotateServerKey(dataDir: string, commonName: string, alive: (pid: number) => boolean = processAlive): Promise<RotationResult> {
  const before = readPinnedFingerprints(dataDir);
  const pid = runningServerPid(dataDir, alive);
  if (pid !== undefined) {
    throw new PartyPoolError(
      'SERVER_RUNNING',
      `The server is running (pid ${pid}); stop it, run rotate-key, then start it again. (If it is not running, delete ${serverInfoPath(dataDir)}.)`,
    );
  }
  const promoted = loadOrCreateNextKey(dataDir);
  const certificate = await selfSignedCertificate(keyPairFromPrivateKey(promoted), commonName);
  const newNext = generateKeyPair().privateKeyPem;
  // Each file is replaced atomically; the key and its certificate are written back to back,
  // and a mismatched pair is detected at start (see loadOrCreateIdentity).
  writePrivateFile(path.join(dataDir, KEY_FILE), promoted);
  writePrivateFile(path.join(dataDir, CERT_FILE), certificate.certificatePem);
  writePrivateFile(path.join(dataDir, NEXT_KEY_FILE), newNext);
  const current = fingerprintOfCertificate(certificate.certificatePem);
  return { previous: before.current, current, next: fingerprintOfPrivateKey(newNext) };
}
