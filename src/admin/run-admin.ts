// The admin program's command lines: backup, restore, export and the offline admin. Each finds the
// data directory as the server does (--data-dir, PARTY_POOL_DATA_DIR, a --config file, the
// default), does its work, and says what it did in a sentence or a table.
import path from 'node:path';
import { loadServerSettings } from '../common/config-file.js';
import { ExitCode, PartyPoolError, type ExitCodeValue } from '../common/errors.js';
import { listValue, POSITIONALS, stringValue, type Values } from '../cli/args.js';
import type { CliIo } from '../cli/io.js';
import { Output } from '../cli/output.js';
import { makeChalk, colorFor } from '../cli/style.js';
import { renderTable } from '../cli/table.js';
import { DATABASE_FILE } from '../data-dir/store.js';
import { createBackup, defaultBackupName } from './backup.js';
import { EXPORT_FORMATS, exportRoom, openExportFile, type ExportFormat } from './export.js';
import { isOfflineAction, OFFLINE_ACTIONS, runOfflineAction } from './offline-admin.js';
import { restoreBackup } from './restore.js';

/** The data directory a tool works on, found the way the server finds it. */
function dataDirFrom(io: CliIo, values: Values): string {
  const flags = { 'data-dir': stringValue(values, 'data-dir'), config: stringValue(values, 'config') };
  return loadServerSettings({ flags, env: io.env }).settings.dataDir;
}

function positionals(values: Values, command: string, min: number, max: number, usage: string): string[] {
  const words = listValue(values, POSITIONALS);
  if (words.length < min || words.length > max) throw new PartyPoolError('USAGE', `${words.length < min ? 'Missing' : 'Too many'} arguments. Usage: ${usage} (see "party-pool ${command} --help").`);
  return words;
}

function kib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `party-pool backup [--data-dir D] [--out FILE]` */
export async function runBackupCommand(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const dataDir = dataDirFrom(io, values);
  const out = stringValue(values, 'out') ?? path.resolve(defaultBackupName(new Date()));
  const result = await createBackup({ dataDir, out });
  const output = new Output(io);
  for (const warning of result.warnings) output.error(`Warning: ${warning}`);
  const files = result.manifest.entries.filter((entry) => entry.type === 'file').length;
  output.line(`Backed up ${dataDir} (${files} files, server key ${result.manifest.fingerprint}) to ${result.file} (${kib(result.bytes)}, owner-only).`);
  output.line('It holds the server key and the stored history unencrypted: keep it as safe as the data directory.');
  return ExitCode.ok;
}

/** `party-pool restore FILE --data-dir D` */
export async function runRestoreCommand(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const [file = ''] = positionals(values, 'restore', 1, 1, 'party-pool restore FILE --data-dir D');
  const dataDir = stringValue(values, 'data-dir');
  if (dataDir === undefined) throw new PartyPoolError('USAGE', 'Say where to restore to: party-pool restore FILE --data-dir D (a new or empty directory).');
  const result = await restoreBackup({ file, dataDir });
  new Output(io).line(
    `Restored the backup of ${result.manifest.createdAt} (Party Pool ${result.manifest.partyPoolVersion}, server key ${result.manifest.fingerprint}) into ${result.dataDir}. Start the server with --data-dir ${result.dataDir}; the passkey and root password are the ones it had.`,
  );
  return ExitCode.ok;
}

/** `party-pool export --room '#room' [--format json|html] [--out FILE]` */
export async function runExportCommand(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const room = stringValue(values, 'room');
  if (room === undefined) throw new PartyPoolError('USAGE', "Say which room: party-pool export --room '#games' (quote it: the shell treats # as a comment).");
  const format = stringValue(values, 'format') ?? 'json';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new PartyPoolError('USAGE', `--format is ${EXPORT_FORMATS.join(' or ')}, not "${format}".`);
  const databaseFile = path.join(dataDirFrom(io, values), DATABASE_FILE);
  const out = stringValue(values, 'out');
  const sink = out === undefined ? io.stdout : openExportFile(path.resolve(out));
  try {
    const result = await exportRoom({ databaseFile, room, format: format as ExportFormat, sink });
    if (out !== undefined) new Output(io).line(`Exported ${result.messages} message${result.messages === 1 ? '' : 's'} of ${result.room} to ${path.resolve(out)} (owner-only).`);
    return ExitCode.ok;
  } finally {
    if (sink !== io.stdout) await new Promise<void>((resolve) => sink.end(resolve));
  }
}

/** `party-pool admin bans | unban <ip|name> | revoke <package>` on a stopped server. */
export function runAdminCommand(io: CliIo, values: Values): Promise<ExitCodeValue> {
  const [action = '', target] = positionals(values, 'admin', 1, 2, 'party-pool admin bans | unban <ip, CIDR or name> | revoke <package-id>');
  if (!isOfflineAction(action)) throw new PartyPoolError('USAGE', `"${action.slice(0, 20)}" is not an admin action; use one of ${OFFLINE_ACTIONS.join(', ')}.`);
  if (action === 'bans' && target !== undefined) throw new PartyPoolError('USAGE', '"admin bans" takes no argument.');
  const result = runOfflineAction(dataDirFrom(io, values), action, target);
  const output = new Output(io);
  if (result.action === 'bans') {
    if (values.json === true) output.json({ bans: result.bans });
    else if (result.bans.length === 0) output.line('No bans.');
    else {
      output.line(`${result.bans.length} ban${result.bans.length === 1 ? '' : 's'} in force:`);
      const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
      output.line(renderTable(['kind', 'target', 'by', 'since', 'expires'], result.bans.map((ban) => [ban.kind, ban.target, ban.createdBy, iso(ban.createdAt), ban.expiresAt === null ? 'never' : iso(ban.expiresAt)]), makeChalk(colorFor(io))));
    }
  } else if (result.action === 'unban') output.line(`Lifted the ban on ${result.kind === 'name' ? 'the name ' : ''}${result.target}. It holds from the server's next start.`);
  else output.line(result.alreadyRevoked ? `Package ${result.packageId} was already revoked.` : `Package ${result.packageId} revoked: its logins are refused from the server's next start.`);
  return Promise.resolve(ExitCode.ok);
}
