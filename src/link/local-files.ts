// Files on the person's own computer: what /send reads and /get writes. Where downloads go by
// default (the OS's Downloads folder; line mode: the current directory), how a half-finished
// download is named so the next /get finds it, and how a finished one takes a name that never
// overwrites an existing file (`holiday (1).jpg`).
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { createSha256, type Sha256 } from '../crypto/hash.js';
import { numberedFileName } from '../protocol/file-names.js';

/** Bytes read at a time while hashing a file before it is offered. */
const HASH_PIECE = 1024 * 1024;

export interface DownloadsDirInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly homedir?: string;
}

/** The OS's Downloads folder: XDG_DOWNLOAD_DIR (Linux, from user-dirs.dirs), else ~/Downloads (Windows: %USERPROFILE%\Downloads). */
export function defaultDownloadsDir(input: DownloadsDirInput): string {
  const platform = input.platform ?? process.platform;
  const home = input.homedir ?? os.homedir();
  if (platform === 'win32') return path.win32.join(input.env.USERPROFILE ?? home, 'Downloads');
  if (platform !== 'darwin') {
    const configHome = input.env.XDG_CONFIG_HOME && path.isAbsolute(input.env.XDG_CONFIG_HOME) ? input.env.XDG_CONFIG_HOME : path.join(home, '.config');
    const fromXdg = xdgDownloadDir(path.join(configHome, 'user-dirs.dirs'), home);
    if (fromXdg) return fromXdg;
  }
  return path.join(home, 'Downloads');
}

/** XDG_DOWNLOAD_DIR="$HOME/Downloads" from user-dirs.dirs, if the file says so. */
function xdgDownloadDir(file: string, home: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^XDG_DOWNLOAD_DIR="([^"]*)"/m.exec(text);
  if (!match?.[1]) return undefined;
  const value = match[1].replace(/^\$HOME(?=\/|$)/, home);
  return path.isAbsolute(value) && value !== home ? value : undefined;
}

/** `~/x` and `~` as the person means them; other paths against the current directory. */
export function resolveUserPath(typed: string, cwd = process.cwd(), home = os.homedir()): string {
  const expanded = typed === '~' ? home : typed.startsWith('~/') || typed.startsWith('~\\') ? path.join(home, typed.slice(2)) : typed;
  return path.resolve(cwd, expanded);
}

/** A local file to send: opened, its size and SHA-256 measured. */
export interface LocalFile {
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly handle: FileHandle;
}

/** Open a file to send and hash it (FILE_UNREADABLE, with the reason, when it cannot be). */
export async function openLocalFile(file: string, onProgress?: (hashed: number, total: number) => void): Promise<LocalFile> {
  let handle: FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PartyPoolError('FILE_UNREADABLE', `${file} is not a file (only files can be sent, not folders).`);
    const hash = createSha256();
    await hashRange(handle, 0, stats.size, hash, onProgress && ((hashed) => onProgress(hashed, stats.size)));
    return { path: file, name: path.basename(file), size: stats.size, sha256: hash.digestHex(), handle };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof PartyPoolError ? error : unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): PartyPoolError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'it cannot be read');
  return new PartyPoolError('FILE_UNREADABLE', `Cannot read ${file}: ${why}.`);
}

/** Feed bytes [from, to) of an open file to `hash`. */
export async function hashRange(handle: FileHandle, from: number, to: number, hash: Sha256, onProgress?: (hashed: number) => void): Promise<void> {
  const piece = Buffer.allocUnsafe(Math.min(HASH_PIECE, Math.max(1, to - from)));
  for (let at = from; at < to; ) {
    const { bytesRead } = await handle.read(piece, 0, Math.min(piece.length, to - at), at);
    if (bytesRead === 0) throw new PartyPoolError('FILE_CHANGED', 'The file got shorter while it was being read; send it again.');
    hash.update(piece.subarray(0, bytesRead));
    at += bytesRead;
    onProgress?.(at);
  }
}

/** Where an unfinished download of this content waits (hidden, beside the final name): the next /get continues it. */
export function partialDownloadPath(dir: string, safeName: string, sha256: string): string {
  return path.join(dir, `.${safeName}.${sha256.slice(0, 16)}.party-pool-part`);
}

/**
 * Give a finished download its name without overwriting anything: `name`, else `name (1)`,
 * `name (2)`, … A hard link claims the name atomically (it fails if the name exists); where
 * links are not possible (some USB drives), an exclusive copy does. Returns the path used.
 */
export async function publishDownload(partial: string, dir: string, safeName: string): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const candidate = path.join(dir, numberedFileName(safeName, n));
    try {
      await fs.promises.link(partial, candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
      try {
        await fs.promises.copyFile(partial, candidate, fs.constants.COPYFILE_EXCL);
      } catch (copyError) {
        if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw copyError;
      }
    }
    await fs.promises.rm(partial, { force: true });
    return candidate;
  }
  throw new PartyPoolError('SAVE_FAILED', `There are already 10,000 files called like ${safeName} in ${dir}.`);
}
