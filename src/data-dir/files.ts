// Owner-only file helpers for the data directory: secrets and identities never land in a
// world-readable file, and a half-written file never replaces a good one.
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { describeStorageError, storageErrorAdvice } from '../common/storage-errors.js';

/** The file written (and removed) to prove a directory takes writes before the server relies on it. */
export const WRITE_CHECK_FILE = '.party-pool-write-check';

/**
 * Create a directory readable by its owner only and prove a file can be written and synced in it
 * (a full disk or a read-only mount passes an access() check); otherwise explain, in one
 * sentence, why it cannot be used. `purpose` names it: "data directory", "log directory".
 */
export function ensurePrivateDir(dir: string, purpose = 'directory'): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
    const probe = path.join(dir, WRITE_CHECK_FILE);
    try {
      const fd = fs.openSync(probe, 'w', 0o600);
      try {
        fs.writeSync(fd, 'ok\n');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      fs.rmSync(probe, { force: true });
    }
  } catch (error) {
    const advice = storageErrorAdvice(error);
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot use the ${purpose} ${dir}: ${describeStorageError(error)}.${advice ? ' ' + advice : ''}`, { cause: error });
  }
}

/** Write a file atomically (temp file + rename) with mode 0600. */
export function writePrivateFile(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
