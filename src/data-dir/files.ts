// Owner-only file helpers for the data and log directories: secrets and identities never land in
// a world-readable file, a half-written file never replaces a good one, and a directory the
// admin made beforehand with loose modes is tightened (or refused when another user owns it).
// The rules are common/private-files.ts, shared with the per-user profile.
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { ensurePrivateDirectory, readPrivateFile, tightenTree, writePrivateFileAtomic, type PrivateFileContext } from '../common/private-files.js';
import { describeStorageError, storageErrorAdvice } from '../common/storage-errors.js';

/** The file written (and removed) to prove a directory takes writes before the server relies on it. */
export const WRITE_CHECK_FILE = '.party-pool-write-check';

function serverRules(notices: string[], purpose: string): PrivateFileContext {
  return {
    platform: process.platform,
    notice: (text) => notices.push(text),
    code: 'DATA_DIR_UNUSABLE',
    ownerAdvice: `run the server as that user, or choose another ${purpose} (${purpose === 'log directory' ? '--log-dir' : '--data-dir'})`,
  };
}

/**
 * Create a directory readable by its owner only, tighten it and everything in it when they were
 * made looser beforehand, and prove a file can be written and synced in it (a full disk or a
 * read-only mount passes an access() check); otherwise explain, in one sentence, why it cannot be
 * used. `purpose` names it: "data directory", "log directory". Returns one sentence per
 * permission it had to tighten, for the caller to log.
 */
export function ensurePrivateDir(dir: string, purpose = 'directory'): string[] {
  const notices: string[] = [];
  const rules = serverRules(notices, purpose);
  try {
    ensurePrivateDirectory(dir, rules);
    tightenTree(dir, rules);
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
    if (error instanceof PartyPoolError) throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot use the ${purpose} ${dir}: ${error.message}`, { cause: error });
    const advice = storageErrorAdvice(error);
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `Cannot use the ${purpose} ${dir}: ${describeStorageError(error)}.${advice ? ' ' + advice : ''}`, { cause: error });
  }
  return notices;
}

/**
 * Write a file atomically (temp file + fsync + rename) with mode 0600. Only the server writes its
 * data directory, so the temp file has one name per file and process. Disk errors are thrown as they are.
 */
export function writePrivateFile(file: string, content: string): void {
  writePrivateFileAtomic(file, content, { uniqueTemp: false });
}

/**
 * A data-dir file's text, or undefined when it does not exist. A file found readable by others is
 * tightened first (the directory check at start already did so for everything there at the time).
 */
export function readTextIfExists(file: string): string | undefined {
  return readPrivateFile(file, serverRules([], 'data directory'));
}
