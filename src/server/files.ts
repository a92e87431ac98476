// Owner-only file helpers for the data directory: secrets and identities never land in a
// world-readable file, and a half-written file never replaces a good one.
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';

/** Create a directory readable by its owner only, or explain why it cannot be used. */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
  } catch (error) {
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot use the directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, { cause: error });
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
