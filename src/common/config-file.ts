// The config file: party-pool.json in the data directory, or the file named by --config (or
// PARTY_POOL_CONFIG). Its keys are the server settings' names as in settings.ts ("maxClients",
// "logLevel", ...) plus "lockdown"; it is validated with zod and every mistake is one sentence
// naming the file and the key. Precedence: flags > environment > this file > defaults.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { config } from '../../config.js';
import { PartyPoolError } from './errors.js';
import { resolveServerSettings, serverSettingSpecs, type FileSettings, type ServerSettings, type SettingValue } from './settings.js';

export const CONFIG_FILE = config.operations.configFileName;

/** Settings a config file may not hold: the data directory's own file cannot move the data directory. */
const NOT_IN_DATA_DIR_FILE = new Set(['dataDir']);
/** Path settings: relative paths in the file are relative to the file's folder, not the working directory. */
const PATH_SETTINGS = new Set(['dataDir', 'logDir']);

/** What a config file says: its settings, and the lockdown state it asks for (if any). */
export interface ConfigFile extends FileSettings {
  /** true/false: the server puts itself in (or out of) lockdown at start and when this value changes on reload. */
  readonly lockdown?: boolean;
}

type SpecLike = (typeof serverSettingSpecs)[number];

function describeSpec(spec: SpecLike): string {
  if (spec.kind === 'bool') return 'true or false';
  if (spec.kind === 'int') return `a whole number from ${spec.min} to ${spec.max}`;
  return spec.oneOf ? `one of ${spec.oneOf.map((v) => `"${v}"`).join(', ')}` : 'a string';
}

function schemaFor(spec: SpecLike): z.ZodType<SettingValue> {
  if (spec.kind === 'bool') return z.boolean();
  if (spec.kind === 'int') return z.number().int().min(spec.min ?? 0).max(spec.max ?? Number.MAX_SAFE_INTEGER);
  if (spec.oneOf) return z.enum(spec.oneOf as [string, ...string[]]);
  return z.string().max(4096);
}

const fileSchema = z.strictObject({
  $comment: z.string().max(10_000).optional(),
  lockdown: z.boolean().optional(),
  ...Object.fromEntries(serverSettingSpecs.map((spec) => [spec.key, schemaFor(spec).optional()])),
});

/** The closest known key, for "did you mean": same letters ignoring case, or one edit away. */
function suggestion(key: string): string | undefined {
  const known = ['lockdown', ...serverSettingSpecs.map((spec) => spec.key)];
  const lower = key.toLowerCase().replace(/[-_]/g, '');
  const byCase = known.find((name) => name.toLowerCase() === lower);
  if (byCase) return byCase;
  return known.find((name) => editDistanceAtMostOne(name.toLowerCase(), lower));
}

function editDistanceAtMostOne(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/** One sentence for the first problem zod found, naming the file and the key. */
function explain(file: string, error: z.ZodError, raw: Record<string, unknown>): string {
  const issue = error.issues[0];
  if (!issue) return `${file} is not valid.`;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const near = suggestion(key);
    return `${file}: "${key}" is not a setting${near ? ` (did you mean "${near}"?)` : ''}. The README's configuration table lists them.`;
  }
  const key = String(issue.path[0] ?? '');
  const spec = serverSettingSpecs.find((candidate) => candidate.key === key);
  const what = key === 'lockdown' ? 'true or false' : key === '$comment' ? 'a string' : spec ? describeSpec(spec) : 'valid';
  return `${file}: "${key}" must be ${what}; got ${JSON.stringify(raw[key])?.slice(0, 60) ?? 'nothing'}.`;
}

/**
 * Read and validate a config file. `required`: a file named by --config must exist; the data
 * directory's own party-pool.json is optional. `inDataDir`: it may not set dataDir.
 */
export function readConfigFile(file: string, options: { required: boolean; inDataDir: boolean }): ConfigFile | undefined {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw new PartyPoolError('CONFIG_INVALID', `The config file ${file} is not a file.`);
    if (stat.size > config.operations.configFileMaxBytes) throw new PartyPoolError('CONFIG_INVALID', `The config file ${file} is larger than ${config.operations.configFileMaxBytes / 1024} KiB; is it the right file?`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof PartyPoolError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // No data directory yet (or a file in its way): no file to read; the server explains the directory.
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !options.required) return undefined;
    throw new PartyPoolError('CONFIG_INVALID', code === 'ENOENT' ? `There is no config file ${file}.` : `Cannot read the config file ${file} (${code ?? 'error'}).`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PartyPoolError('CONFIG_INVALID', `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PartyPoolError('CONFIG_INVALID', `${file} must hold one JSON object: { "maxClients": 50, ... }.`);
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new PartyPoolError('CONFIG_INVALID', explain(file, parsed.error, json as Record<string, unknown>));
  const values: Partial<Record<keyof ServerSettings, SettingValue>> = {};
  for (const spec of serverSettingSpecs) {
    const value = (parsed.data as Record<string, SettingValue | undefined>)[spec.key];
    if (value === undefined) continue;
    if (options.inDataDir && NOT_IN_DATA_DIR_FILE.has(spec.key)) {
      throw new PartyPoolError('CONFIG_INVALID', `${file}: "${spec.key}" cannot be set in the data directory's own ${CONFIG_FILE}; use --data-dir, PARTY_POOL_DATA_DIR or a --config file.`);
    }
    values[spec.key] = PATH_SETTINGS.has(spec.key) && typeof value === 'string' ? path.resolve(path.dirname(file), value) : value;
  }
  return { file, values, ...(parsed.data.lockdown !== undefined ? { lockdown: parsed.data.lockdown } : {}) };
}

/** Where a run's settings come from: the flags and environment given, and the config file they point at. */
export interface SettingsSources {
  flags: Record<string, string | undefined>;
  env: NodeJS.ProcessEnv;
}

/** The server settings and the config file they were read with (undefined: none). */
export interface LoadedSettings {
  settings: ServerSettings;
  file: ConfigFile | undefined;
}

/**
 * Resolve the settings with the config file: --config FILE (or PARTY_POOL_CONFIG) if given,
 * else <data-dir>/party-pool.json if it exists. Run again on SIGHUP: the file is read afresh.
 */
export function loadServerSettings(sources: SettingsSources): LoadedSettings {
  const named = sources.flags.config ?? (sources.env.PARTY_POOL_CONFIG || undefined);
  if (named !== undefined) {
    const file = readConfigFile(path.resolve(named), { required: true, inDataDir: false });
    return { settings: resolveServerSettings(sources.flags, sources.env, file), file };
  }
  const { dataDir } = resolveServerSettings(sources.flags, sources.env);
  const file = readConfigFile(path.join(dataDir, CONFIG_FILE), { required: false, inDataDir: true });
  return { settings: resolveServerSettings(sources.flags, sources.env, file), file };
}
