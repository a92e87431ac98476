// `party-pool restore FILE --data-dir D`: unpack a backup into a new data directory. Refused when
// D is a running server's, or holds anything at all (a restore never merges into or replaces
// data). The backup is unpacked beside D, every entry is checked against the manifest (size and
// SHA-256; nothing extra, no links), the database is integrity-checked and its schema must be one
// this version knows; only then is the folder renamed to D, so D is either whole or absent.
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { PartyPoolError } from '../common/errors.js';
import { sha256File } from '../crypto/hash.js';
import { DATA_KINDS } from '../data-dir/contents.js';
import { checkDatabase, unknownMigrations } from '../data-dir/database-copy.js';
import { runningServerPid } from '../data-dir/server-info.js';
import { MANIFEST_FILE, manifestSchema, type BackupManifest } from './backup-format.js';

export interface RestoreOptions {
  file: string;
  dataDir: string;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
}

/** Refuse a target that a server runs from or that holds anything. */
function checkTarget(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  if (!fs.statSync(dataDir).isDirectory()) throw new PartyPoolError('TARGET_NOT_EMPTY', `${dataDir} is a file; restore into a new, empty directory.`);
  const pid = runningServerPid(dataDir);
  if (pid !== undefined) throw new PartyPoolError('SERVER_RUNNING', `A server is running from ${dataDir} (pid ${pid}); a restore never replaces live data. Restore into a new directory and start the server there.`);
  const present = fs.readdirSync(dataDir);
  if (present.length > 0) {
    throw new PartyPoolError('TARGET_NOT_EMPTY', `${dataDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); a restore never overwrites data. Restore into a new directory, or move this one away first.`);
  }
}

function invalid(file: string, why: string): PartyPoolError {
  return new PartyPoolError('BACKUP_INVALID', `${file} cannot be restored: ${why}`);
}

/** Read and check the manifest, then check every entry it lists against the unpacked files. */
async function verify(file: string, staging: string): Promise<BackupManifest> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path.join(staging, MANIFEST_FILE), 'utf8'));
  } catch {
    throw invalid(file, 'it holds no readable manifest.json (is it a Party Pool backup?).');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(file, 'its manifest.json is not one this version understands (a backup from a newer Party Pool?).');
  const manifest = parsed.data;
  const listed = new Set([MANIFEST_FILE]);
  for (const entry of manifest.entries) {
    const parts = entry.path.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..')) throw invalid(file, `the entry "${entry.path.slice(0, 100)}" is not a plain relative path.`);
    listed.add(entry.path);
    const full = path.join(staging, ...parts);
    const stat = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!stat || (entry.type === 'dir' ? !stat.isDirectory() : !stat.isFile())) throw invalid(file, `${entry.path} is missing or of the wrong kind.`);
    if (entry.type === 'file' && (stat.size !== entry.bytes || (await sha256File(full)) !== entry.sha256)) throw invalid(file, `${entry.path} does not match its checksum (the file is damaged).`);
  }
  // Nothing unlisted may come along.
  const walk = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (!listed.has(relative)) throw invalid(file, `it holds ${relative.slice(0, 100)}, which its manifest does not list.`);
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relative);
    }
  };
  walk(staging, '');
  for (const kind of DATA_KINDS.filter((k) => k.required && typeof k.name === 'string')) {
    if (!listed.has(String(kind.name))) throw invalid(file, `it has no ${String(kind.name)} (${kind.what}).`);
  }
  const database = manifest.entries.find((entry) => entry.copy === 'sqlite');
  if (database) {
    const { migrations } = checkDatabase(path.join(staging, ...database.path.split('/')));
    const newer = unknownMigrations(migrations);
    if (newer.length > 0) throw invalid(file, `it was made by a newer Party Pool (${manifest.partyPoolVersion}; database changes ${newer.slice(0, 3).join(', ')}). Update Party Pool, then restore.`);
  }
  return manifest;
}

/** Owner-only modes: 0700 folders, 0600 files (tar keeps whatever the backup's machine had). */
function makePrivate(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(full);
    else fs.chmodSync(full, 0o600);
  }
}

/** Restore `file` into the new data directory `dataDir`. */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const dataDir = path.resolve(options.dataDir);
  const file = path.resolve(options.file);
  if (!fs.existsSync(file)) throw new PartyPoolError('BACKUP_INVALID', `There is no file ${file}.`);
  checkTarget(dataDir);
  const parent = path.dirname(dataDir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, '.party-pool-restore-'));
  fs.chmodSync(staging, 0o700);
  try {
    let refused: string | undefined;
    try {
      await tar.extract({
        file,
        cwd: staging,
        strict: true,
        preservePaths: false,
        // Files and folders only: a link in a backup could point anywhere on this machine.
        filter: (_path, entry) => {
          const type = 'type' in entry ? entry.type : undefined;
          if (type === 'File' || type === 'Directory') return true;
          refused ??= String(type).toLowerCase();
          return false;
        },
      });
    } catch (error) {
      if (error instanceof PartyPoolError) throw error;
      throw invalid(file, `it is not a readable backup (${error instanceof Error ? error.message : String(error)}).`);
    }
    if (refused !== undefined) throw invalid(file, `it holds a ${refused} entry; backups hold files and folders only.`);
    const manifest = await verify(file, staging);
    fs.rmSync(path.join(staging, MANIFEST_FILE));
    makePrivate(staging);
    // Checked again right before the move: nothing may have appeared meanwhile.
    checkTarget(dataDir);
    if (fs.existsSync(dataDir)) fs.rmdirSync(dataDir);
    fs.renameSync(staging, dataDir);
    return { dataDir, manifest };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
