// Telling a storage failure (full disk, unwritable file, database error) from a bug, and saying
// what went wrong in words an admin can act on. A storage failure loses one action, never the
// server: callers answer STORAGE_FAILED and report it; anything else is a bug and ends the session.
// No better-sqlite3 import: SQLite's errors are recognised by their SQLITE_* code, so the file
// helpers (used by tools that never open the database) can use this module too.

/** File-system error codes that mean "the disk or the file refused", not "the code is wrong". */
const FILE_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EISDIR', 'ENOTDIR', 'ENOENT', 'EMFILE', 'ENFILE', 'EBADF', 'EFBIG']);

const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'a disk input/output error',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a file is in the way where a directory should be',
  EEXIST: 'a file is in the way where a directory should be',
  ENOENT: 'the file or directory does not exist',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EFBIG: 'the file is too large',
  SQLITE_FULL: 'the disk (or the database) is full',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_IOERR: 'a disk input/output error in the database',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_BUSY: 'the database is locked by another program',
};

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code: unknown = Reflect.get(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** Whether `error` came from the disk or the database rather than from a bug. */
export function isStorageError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (code.startsWith('SQLITE_') || FILE_ERROR_CODES.has(code));
}

/** What an admin can do about it, as a sentence (or '' when there is nothing obvious). */
export function storageErrorAdvice(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'SQLITE_FULL':
      return 'Free some disk space, then try again.';
    case 'EACCES':
    case 'EPERM':
      return "Give the server's user write permission there, or choose another directory.";
    case 'EROFS':
      return 'Choose a directory on a writable disk.';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'Move the file that is in the way, or choose another directory.';
    default:
      return '';
  }
}

/** "the disk is full (ENOSPC)": the reason in words, with the code for searching. */
export function describeStorageError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
  // SQLite extended codes (SQLITE_IOERR_WRITE) share their primary code's words.
  const reason = REASONS[code] ?? REASONS[code.split('_').slice(0, 2).join('_')];
  return reason ? `${reason} (${code})` : code;
}
