// Owner-only files and directories, one set of rules for the server's data and log directories
// (data-dir/files.ts) and the per-user profile (link/profile-files.ts): created 0700 / 0600;
// found looser (an admin made the directory beforehand, a backup was restored with 0644) they are
// tightened, and the caller is told what changed; owned by another user they are refused, because
// that user could read or swap them. Writes are atomic (unique temp file, fsync, rename, directory
// fsync). On Windows modes mean nothing (ACLs decide, and %APPDATA% is per-user): the checks are
// skipped there. Errors from the disk are thrown as they come, so callers can tell a storage
// failure (common/storage-errors.ts) from a refusal, which is a PartyPoolError with the caller's code.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PartyPoolError, type ErrorCode } from './errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Whose rules apply: the platform, where notices go, and how a refusal is worded. */
export interface PrivateFileContext {
  readonly platform: NodeJS.Platform;
  /** A sentence for the person or the log ("Tightened the permissions of …"). */
  readonly notice: (text: string) => void;
  /** The code of a refusal: DATA_DIR_UNUSABLE for the server, PROFILE_UNUSABLE for a profile. */
  readonly code?: ErrorCode;
  /** Appended to "belongs to another user": what to do instead. */
  readonly ownerAdvice?: string;
}

/** At most this many entries are checked under one directory (a data dir has a handful). */
const MAX_TREE_ENTRIES = 10_000;

/** "0644". */
export function octalMode(mode: number): string {
  return '0' + (mode & 0o777).toString(8).padStart(3, '0');
}

function refusal(context: PrivateFileContext, message: string, cause?: unknown): PartyPoolError {
  return new PartyPoolError(context.code ?? 'DATA_DIR_UNUSABLE', message, cause === undefined ? undefined : { cause });
}

/**
 * Check one existing file or directory: refuse it when another user owns it, tighten it (and say
 * so) when group or others may read or write it. Symbolic links are left alone (their target is
 * checked where it is used).
 */
export function checkPrivateMode(target: string, stat: fs.Stats, context: PrivateFileContext): void {
  if (context.platform === 'win32' || stat.isSymbolicLink()) return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw refusal(context, `${target} belongs to another user (uid ${stat.uid}), who could read or replace it; ${context.ownerAdvice ?? 'use a directory of your own'}.`);
  }
  if ((stat.mode & 0o077) === 0) return;
  const wanted = stat.isDirectory() ? DIR_MODE : FILE_MODE;
  try {
    fs.chmodSync(target, wanted);
  } catch (error) {
    throw refusal(context, `${target} is readable by other users (${octalMode(stat.mode)}) and its permissions cannot be tightened; fix them (chmod ${octalMode(wanted).slice(1)}) or choose another directory.`, error);
  }
  context.notice(`Tightened the permissions of ${target} from ${octalMode(stat.mode)} to ${octalMode(wanted)}: it holds private data.`);
}

/** Create `dir` (and its parents) owner-only, or check and tighten an existing one. */
export function ensurePrivateDirectory(dir: string, context: PrivateFileContext): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const stat = fs.lstatSync(dir);
  if (stat.isSymbolicLink()) {
    // A link is fine (a data dir on another disk), but what it points at must be ours.
    const target = fs.statSync(dir);
    if (!target.isDirectory()) throw refusal(context, `${dir} is not a directory.`);
    checkPrivateMode(dir, target, context);
    return;
  }
  if (!stat.isDirectory()) throw refusal(context, `${dir} is not a directory.`);
  checkPrivateMode(dir, stat, context);
}

/**
 * Check and tighten everything below `dir` (files and directories, symbolic links skipped), for
 * directories that existed before this program first ran. Returns how many entries were looked at.
 */
export function tightenTree(dir: string, context: PrivateFileContext): number {
  if (context.platform === 'win32') return 0;
  let seen = 0;
  const pending = [dir];
  while (pending.length > 0 && seen < MAX_TREE_ENTRIES) {
    const current = pending.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries) {
      if (++seen > MAX_TREE_ENTRIES) break;
      if (entry.isSymbolicLink()) continue;
      const full = path.join(current, entry.name);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(full);
      } catch (error) {
        // Removed meanwhile (a temp file): nothing to protect.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      checkPrivateMode(full, stat, context);
      if (stat.isDirectory()) pending.push(full);
    }
  }
  return seen;
}

/**
 * The text of an owner-only file (mode checked and tightened on the open descriptor's file), or
 * undefined when it does not exist. Disk errors are thrown as they are.
 */
export function readPrivateFile(file: string, context: PrivateFileContext): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw refusal(context, `Cannot use ${file}: it is not a regular file.`);
    checkPrivateMode(file, stat, context);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Make a rename durable; Windows cannot open a directory for this and does not need to. */
export function syncDirectory(dir: string, platform: NodeJS.Platform): void {
  if (platform === 'win32') return;
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Best effort: some file systems refuse fsync on directories.
  }
}

/**
 * Replace `file` atomically with `content`, mode 0600: readers see the old or the new file, never
 * half of one. By default the temp file's name is unique (two writers never share one); a
 * directory only this process writes may use one fixed name per file and process instead, so a
 * crash leaves at most one stale temp file per file. Disk errors are thrown as they are (the temp
 * file removed).
 */
export function writePrivateFileAtomic(file: string, content: string | Buffer, options: { platform?: NodeJS.Platform; uniqueTemp?: boolean } = {}): void {
  const unique = options.uniqueTemp ?? true;
  const suffix = unique ? `${process.pid}.${crypto.randomBytes(4).toString('hex')}` : String(process.pid);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${suffix}.tmp`);
  try {
    const fd = fs.openSync(temp, unique ? 'wx' : 'w', FILE_MODE);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(file), options.platform ?? process.platform);
}

/** Append one line (the caller's text holds no newline) with one write and an fsync; a new file is 0600. */
export function appendPrivateFileLine(file: string, line: string): void {
  const fd = fs.openSync(file, 'a', FILE_MODE);
  try {
    fs.writeSync(fd, line + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
