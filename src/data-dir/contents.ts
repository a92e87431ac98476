// What lives in the server's data directory, kind by kind, and how a backup copies each: the one
// list `party-pool backup` and `restore` follow. Adding a new kind of data (a new file, a folder of
// file blobs, a second database) is one entry here:
//   - `sqlite`: a SQLite database, copied online with SQLite's backup API (consistent while the
//     server writes to it); its -wal and -shm files are skipped (the copy has everything);
//   - `file`: copied as it is (files the server replaces atomically are always whole);
//   - `dir`: a folder copied with everything under it (files inside must be written to a temp
//     name and renamed, so a copy never catches half a file);
//   - `skip`: never backed up (it belongs to one running process, or is rebuilt).
// Anything the list does not know is still copied (as a file or folder) and named in the backup's
// warnings, so a kind someone forgot to register is kept, and noticed (test/admin/backup.test.ts
// fails for a file the server creates that is not listed).
import { DATABASE_FILE } from './store.js';
import { AUTH_FILE } from './auth-keys.js';
import { CERT_FILE, KEY_FILE, NEXT_KEY_FILE } from './identity.js';
import { SERVER_INFO_FILE } from './server-info.js';
import { WRITE_CHECK_FILE } from './files.js';
import { config } from '../../config.js';

export type CopyMethod = 'sqlite' | 'file' | 'dir' | 'skip';

export interface DataKind {
  /** The entry's name in the data directory, or a pattern for a family of names (rotated files). */
  readonly name: string | RegExp;
  readonly copy: CopyMethod;
  /** What it is, for the backup's summary and the docs. */
  readonly what: string;
  /** A backup of a data directory without it is refused (the server was never set up there). */
  readonly required?: boolean;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const DATA_KINDS: readonly DataKind[] = [
  { name: DATABASE_FILE, copy: 'sqlite', required: true, what: 'the database: accounts, rooms and memberships, history, bans, issued packages, settings' },
  { name: new RegExp(`^${escape(DATABASE_FILE)}-(wal|shm|journal)$`), copy: 'skip', what: "the database's write-ahead log and index (folded into the copy)" },
  { name: KEY_FILE, copy: 'file', required: true, what: "the server's TLS key (its fingerprint is pinned in every package)" },
  { name: CERT_FILE, copy: 'file', required: true, what: "the server's certificate" },
  { name: NEXT_KEY_FILE, copy: 'file', what: 'the key rotate-key switches to' },
  { name: AUTH_FILE, copy: 'file', required: true, what: 'login salts and verifiers for the passkey and root password' },
  { name: config.admin.statsFileName, copy: 'file', what: 'server statistics' },
  { name: new RegExp(`^${escape(config.requests.fileName)}(\\.\\d+)?$`), copy: 'file', what: 'requests users filed with /request' },
  { name: config.operations.configFileName, copy: 'file', what: 'the config file' },
  { name: 'files', copy: 'dir', what: 'shared files: published blobs named by their SHA-256, and uploads in progress (files sent to one person are ciphertext)' },
  { name: SERVER_INFO_FILE, copy: 'skip', what: 'where a running server listens (written at each start)' },
  { name: WRITE_CHECK_FILE, copy: 'skip', what: 'the start-up write check' },
  // writePrivateFile's temp files (".name.<pid>.tmp"): half-written, never worth keeping.
  { name: /^\..+\.\d+\.tmp$/, copy: 'skip', what: 'a file being written' },
];

/** The kind an entry of the data directory belongs to, if the list knows it. */
export function dataKindOf(name: string): DataKind | undefined {
  return DATA_KINDS.find((kind) => (typeof kind.name === 'string' ? kind.name === name : kind.name.test(name)));
}

/** Entries a data directory must have for a backup to be worth anything. */
export function requiredEntries(): string[] {
  return DATA_KINDS.filter((kind) => kind.required && typeof kind.name === 'string').map((kind) => String(kind.name));
}
