// File helpers for the per-user profile directory: owner-only modes (tightened, with a notice,
// when found looser), atomic JSON writes (temp file, fsync, rename, directory fsync), appends that
// leave at worst a torn last line, and reads that turn a damaged file into one clear sentence
// (PROFILE_DAMAGED) instead of a crash. On Windows, modes mean nothing and %APPDATA% is already
// per-user, so the mode checks are skipped there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { describeStorageError, storageErrorAdvice } from '../common/storage-errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Where notices for the person go (printed by the caller through src/cli), and the platform. */
export interface FileContext {
  readonly platform: NodeJS.Platform;
  readonly notice: (text: string) => void;
}

function unusable(what: string, error: unknown): PartyPoolError {
  const advice = storageErrorAdvice(error);
  return new PartyPoolError('PROFILE_UNUSABLE', `Cannot use ${what}: ${describeStorageError(error)}.${advice ? ' ' + advice : ''}`, { cause: error });
}

function octal(mode: number): string {
  return '0' + (mode & 0o777).toString(8);
}

/** Tighten a file or directory that others may read or write; refuse one owned by someone else. */
function checkMode(target: string, stat: fs.Stats, wanted: number, context: FileContext): void {
  if (context.platform === 'win32') return;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new PartyPoolError('PROFILE_UNUSABLE', `${target} belongs to another user (uid ${stat.uid}); use your own profile directory (--profile-dir).`);
  }
  if ((stat.mode & 0o077) === 0) return;
  try {
    fs.chmodSync(target, wanted);
  } catch (error) {
    throw unusable(`${target} (it is readable by other users and its permissions cannot be tightened)`, error);
  }
  context.notice(`Tightened the permissions of ${target} from ${octal(stat.mode)} to ${octal(wanted)}: it holds private keys and messages.`);
}

/** Create `dir` (and its parents) owner-only, or check and tighten an existing one. */
export function ensurePrivateDirectory(dir: string, context: FileContext): void {
  let stat: fs.Stats;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    stat = fs.statSync(dir);
  } catch (error) {
    throw unusable(`the profile directory ${dir}`, error);
  }
  if (!stat.isDirectory()) throw new PartyPoolError('PROFILE_UNUSABLE', `Cannot use the profile directory ${dir}: it is not a directory.`);
  checkMode(dir, stat, DIR_MODE, context);
}

/** The text of a profile file (mode checked and tightened), or undefined when it does not exist. */
export function readPrivateText(file: string, context: FileContext): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(file, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new PartyPoolError('PROFILE_UNUSABLE', `Cannot use ${file}: it is not a regular file.`);
    checkMode(file, stat, FILE_MODE, context);
    return fs.readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof PartyPoolError) throw error;
    throw unusable(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A JSON profile file validated by `schema`, or undefined when it does not exist. A file that is
 * not JSON or not of the expected shape is PROFILE_DAMAGED, whose sentence ends with `advice`.
 */
export function readProfileJson<T>(file: string, schema: z.ZodType<T>, advice: string, context: FileContext): T | undefined {
  const text = readPrivateText(file, context);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PartyPoolError('PROFILE_DAMAGED', `The profile file ${file} is damaged (not valid JSON); ${advice}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw new PartyPoolError('PROFILE_DAMAGED', `The profile file ${file} is damaged (unexpected content${where}); ${advice}`);
  }
  return parsed.data;
}

function syncDirectory(dir: string, platform: NodeJS.Platform): void {
  // Makes the rename itself durable; Windows cannot open a directory for this, and does not need to.
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

/** Replace `file` atomically with `content` (mode 0600): readers see the old or the new file, never half. */
export function writePrivateText(file: string, content: string, context: FileContext): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temp, 'wx', FILE_MODE);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw unusable(file, error);
  }
  syncDirectory(path.dirname(file), context.platform);
}

export function writeProfileJson(file: string, value: unknown, context: FileContext): void {
  writePrivateText(file, JSON.stringify(value, null, 2) + '\n', context);
}

/** Append one line (the caller's text holds no newline) with one write and an fsync. */
export function appendPrivateLine(file: string, line: string): void {
  try {
    const fd = fs.openSync(file, 'a', FILE_MODE);
    try {
      fs.writeSync(fd, line + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw unusable(file, error);
  }
}

/**
 * The complete lines of an append-only file. A last line without its newline was cut short by a
 * crash or a full disk mid-write, was never confirmed, and is cut off the file here so the next
 * append starts on a fresh line.
 */
export function readPrivateLines(file: string, context: FileContext): string[] {
  const text = readPrivateText(file, context);
  if (text === undefined || text.length === 0) return [];
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) {
    try {
      fs.truncateSync(file, Buffer.byteLength(text.slice(0, end), 'utf8'));
    } catch (error) {
      throw unusable(file, error);
    }
  }
  return text
    .slice(0, end)
    .split('\n')
    .filter((line) => line.length > 0);
}
