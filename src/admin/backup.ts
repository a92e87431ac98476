// `party-pool backup`: one owner-only file with everything the data directory holds, taken while
// the server runs. The database is copied with SQLite's backup API (one consistent snapshot while
// chat lines are committed), the other entries as they are (the server replaces its files
// atomically), each listed in manifest.json with its SHA-256. What is copied, and how, follows
// data-dir/contents.ts; the copy is staged beside the output and removed whatever happens.
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { sha256File } from '../crypto/hash.js';
import { fingerprintOfCertificate } from '../crypto/fingerprint.js';
import { dataKindOf, requiredEntries, type CopyMethod } from '../data-dir/contents.js';
import { copyDatabase } from '../data-dir/database-copy.js';
import { CERT_FILE } from '../data-dir/identity.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_FILE, type BackupEntry, type BackupManifest } from './backup-format.js';

export interface BackupOptions {
  dataDir: string;
  /** The backup file to write; it must not exist yet. */
  out: string;
  now?: () => Date;
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
  /** Entries skipped (links, sockets) or copied without being known. */
  warnings: string[];
}

/** An entry staged for the backup, before its checksum. */
interface Copied {
  path: string;
  type: 'file' | 'dir';
  copy: Exclude<CopyMethod, 'skip'>;
}

/** `party-pool-backup-20260102-030405.tar.gz` */
export function defaultBackupName(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `party-pool-backup-${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}.tar.gz`;
}

/** Copy one file to the staging folder, owner-only. */
function copyPlainFile(from: string, to: string): void {
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o600);
}

/** Copy a folder and everything under it; links and special files are skipped with a warning. */
function copyTree(from: string, to: string, relative: string, entries: Copied[], warnings: string[]): void {
  fs.mkdirSync(to, { mode: 0o700 });
  entries.push({ path: relative, type: 'dir', copy: 'dir' });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const child = `${relative}/${entry.name}`;
    if (entry.isDirectory()) copyTree(path.join(from, entry.name), path.join(to, entry.name), child, entries, warnings);
    else if (entry.isFile()) {
      copyPlainFile(path.join(from, entry.name), path.join(to, entry.name));
      entries.push({ path: child, type: 'file', copy: 'dir' });
    } else warnings.push(`${child} was skipped: only files and folders are backed up.`);
  }
}

/** Write a backup of `dataDir` to `out`; works whether the server runs or not. */
export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const { dataDir } = options;
  const out = path.resolve(options.out);
  for (const name of requiredEntries()) {
    if (!fs.existsSync(path.join(dataDir, name))) throw new PartyPoolError('SERVER_NOT_SET_UP', `${dataDir} has no ${name}: no server was set up there. Pass the server's --data-dir.`);
  }
  if (fs.existsSync(out)) throw new PartyPoolError('FILE_EXISTS', `${out} already exists; choose another --out, or move it away.`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(out), '.party-pool-backup-'));
  fs.chmodSync(staging, 0o700);
  const temp = `${out}.${process.pid}.partial`;
  try {
    const warnings: string[] = [];
    const unknown: string[] = [];
    const copied: Copied[] = [];
    let migrations: string[] = [];
    for (const entry of fs.readdirSync(dataDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const kind = dataKindOf(entry.name);
      if (kind?.copy === 'skip') continue;
      const from = path.join(dataDir, entry.name);
      const to = path.join(staging, entry.name);
      if (!kind) unknown.push(entry.name);
      if (kind?.copy === 'sqlite') {
        migrations = await copyDatabase(from, to);
        copied.push({ path: entry.name, type: 'file', copy: 'sqlite' });
      } else if (entry.isDirectory()) copyTree(from, to, entry.name, copied, warnings);
      else if (entry.isFile()) {
        copyPlainFile(from, to);
        copied.push({ path: entry.name, type: 'file', copy: 'file' });
      } else warnings.push(`${entry.name} was skipped: only files and folders are backed up.`);
    }
    if (unknown.length > 0) warnings.push(`Copied ${unknown.length === 1 ? 'an entry' : 'entries'} this version does not know: ${unknown.join(', ')}.`);
    const entries: BackupEntry[] = [];
    for (const item of copied) {
      const file = path.join(staging, ...item.path.split('/'));
      entries.push(item.type === 'dir' ? { ...item, bytes: 0, sha256: '' } : { ...item, bytes: fs.statSync(file).size, sha256: await sha256File(file) });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      partyPoolVersion: config.version,
      migrations,
      fingerprint: fingerprintOfCertificate(fs.readFileSync(path.join(staging, CERT_FILE))),
      entries,
      unknown,
    };
    fs.writeFileSync(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    // Created owner-only before tar writes into it: the file holds the server's key and the history.
    fs.closeSync(fs.openSync(temp, 'wx', 0o600));
    await tar.create({ gzip: true, file: temp, cwd: staging, portable: true, noDirRecurse: true }, [MANIFEST_FILE, ...copied.map((item) => item.path)]);
    const fd = fs.openSync(temp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(temp, 0o600);
    fs.renameSync(temp, out);
    return { file: out, bytes: fs.statSync(out).size, manifest, warnings };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(temp, { force: true });
  }
}
