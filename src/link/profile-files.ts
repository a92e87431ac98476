// File helpers for the per-user profile directory: owner-only modes (tightened, with a notice,
// when found looser; refused when another user owns them), atomic JSON writes, appends that leave
// at worst a torn last line, and reads that turn a damaged file into one clear sentence
// (PROFILE_DAMAGED) instead of a crash. The rules themselves are common/private-files.ts, shared
// with the server's data directory; this module words every failure as PROFILE_UNUSABLE.
import fs from 'node:fs';
import type { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import {
  appendPrivateFileLine,
  ensurePrivateDirectory as ensureDirectory,
  readPrivateFile,
  writePrivateFileAtomic,
  type PrivateFileContext,
} from '../common/private-files.js';
import { describeStorageError, storageErrorAdvice } from '../common/storage-errors.js';

export { DIR_MODE, FILE_MODE } from '../common/private-files.js';

/** Where notices for the person go (printed by the caller through src/cli), and the platform. */
export interface FileContext {
  readonly platform: NodeJS.Platform;
  readonly notice: (text: string) => void;
}

function rules(context: FileContext): PrivateFileContext {
  return { platform: context.platform, notice: context.notice, code: 'PROFILE_UNUSABLE', ownerAdvice: 'use your own profile directory (--profile-dir)' };
}

function unusable(what: string, error: unknown): PartyPoolError {
  if (error instanceof PartyPoolError) return error;
  const advice = storageErrorAdvice(error);
  return new PartyPoolError('PROFILE_UNUSABLE', `Cannot use ${what}: ${describeStorageError(error)}.${advice ? ' ' + advice : ''}`, { cause: error });
}

/** Create `dir` (and its parents) owner-only, or check and tighten an existing one. */
export function ensurePrivateDirectory(dir: string, context: FileContext): void {
  try {
    ensureDirectory(dir, rules(context));
  } catch (error) {
    throw unusable(`the profile directory ${dir}`, error);
  }
}

/** The text of a profile file (mode checked and tightened), or undefined when it does not exist. */
export function readPrivateText(file: string, context: FileContext): string | undefined {
  try {
    return readPrivateFile(file, rules(context));
  } catch (error) {
    throw unusable(file, error);
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

/** Replace `file` atomically with `content` (mode 0600): readers see the old or the new file, never half. */
export function writePrivateText(file: string, content: string, context: FileContext): void {
  try {
    writePrivateFileAtomic(file, content, { platform: context.platform });
  } catch (error) {
    throw unusable(file, error);
  }
}

export function writeProfileJson(file: string, value: unknown, context: FileContext): void {
  writePrivateText(file, JSON.stringify(value, null, 2) + '\n', context);
}

/** Append one line (the caller's text holds no newline) with one write and an fsync. */
export function appendPrivateLine(file: string, line: string): void {
  try {
    appendPrivateFileLine(file, line);
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
