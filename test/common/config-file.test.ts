// The config file: flags > environment > file > defaults; every mistake names the file and the key;
// the data directory's own file may not move the data directory; relative paths follow the file.
// Secrets from systemd credentials ($CREDENTIALS_DIRECTORY) come in the documented order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadServerSettings, readConfigFile } from '../../src/common/config-file.js';
import { PartyPoolError } from '../../src/common/errors.js';
import { envNameFor, serverSettingSpecs } from '../../src/common/settings.js';
import { givenSecret } from '../../src/cli/secrets.js';
import { tempDir } from '../helpers/server.js';

function writeJson(file: string, value: unknown): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function refusal(run: () => unknown): PartyPoolError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PartyPoolError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

test('precedence: flags over environment over the file over defaults', () => {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'pp.json'), { maxClients: 40, port: 2000, logLevel: 'debug', historyEnabled: false, metricsPort: 9464 });
  const fromFile = loadServerSettings({ flags: { config: file }, env: {} });
  assert.deepEqual([fromFile.settings.maxClients, fromFile.settings.port, fromFile.settings.logLevel, fromFile.settings.historyEnabled, fromFile.settings.metricsPort], [40, 2000, 'debug', false, 9464]);
  assert.equal(fromFile.file?.file, file);
  const envWins = loadServerSettings({ flags: { config: file }, env: { PARTY_POOL_MAX_CLIENTS: '30', PARTY_POOL_LOG_LEVEL: 'warn' } });
  assert.deepEqual([envWins.settings.maxClients, envWins.settings.logLevel, envWins.settings.port], [30, 'warn', 2000]);
  const flagWins = loadServerSettings({ flags: { config: file, 'max-clients': '20', 'log-level': 'error' }, env: { PARTY_POOL_MAX_CLIENTS: '30' } });
  assert.deepEqual([flagWins.settings.maxClients, flagWins.settings.logLevel], [20, 'error']);
  // PARTY_POOL_CONFIG names the file too; without any file, the defaults.
  assert.equal(loadServerSettings({ flags: {}, env: { PARTY_POOL_CONFIG: file } }).settings.maxClients, 40);
  const none = loadServerSettings({ flags: { 'data-dir': path.join(dir, 'empty') }, env: {} });
  assert.equal(none.file, undefined);
  assert.equal(none.settings.maxClients, 25);
  assert.equal(none.settings.metricsPort, 0, 'metrics are off by default');
});

test("the data directory's own party-pool.json is read, and may not move the data directory", () => {
  const dataDir = path.join(tempDir(), 'data');
  writeJson(path.join(dataDir, 'party-pool.json'), { maxClients: 12, logDir: '../my-logs' });
  const loaded = loadServerSettings({ flags: { 'data-dir': dataDir }, env: {} });
  assert.equal(loaded.settings.maxClients, 12);
  assert.equal(loaded.settings.logDir, path.resolve(dataDir, '..', 'my-logs'), 'relative paths are relative to the file');
  writeJson(path.join(dataDir, 'party-pool.json'), { dataDir: '/elsewhere' });
  const moved = refusal(() => loadServerSettings({ flags: { 'data-dir': dataDir }, env: {} }));
  assert.equal(moved.code, 'CONFIG_INVALID');
  assert.match(moved.message, /"dataDir" cannot be set in the data directory's own party-pool\.json/);
  // A --config file may set it.
  const other = tempDir();
  const file = writeJson(path.join(other, 'pp.json'), { dataDir: 'data' });
  assert.equal(loadServerSettings({ flags: { config: file }, env: {} }).settings.dataDir, path.join(other, 'data'));
});

test('every mistake is one sentence naming the file and the key', () => {
  const dir = tempDir();
  const cases: [unknown, RegExp][] = [
    [{ maxClient: 10 }, /pp\.json: "maxClient" is not a setting \(did you mean "maxClients"\?\)/],
    [{ MAX_CLIENTS: 10 }, /"MAX_CLIENTS" is not a setting \(did you mean "maxClients"\?\)/],
    [{ wibble: 1 }, /"wibble" is not a setting\. The README's configuration table lists them\./],
    [{ maxClients: 'lots' }, /"maxClients" must be a whole number from 1 to 1000000; got "lots"/],
    [{ maxClients: 0 }, /"maxClients" must be a whole number from 1 to 1000000; got 0/],
    [{ port: 1.5 }, /"port" must be a whole number from 0 to 65535/],
    [{ historyEnabled: 'yes' }, /"historyEnabled" must be true or false; got "yes"/],
    [{ logLevel: 'loud' }, /"logLevel" must be one of "error", "warn", "info", "debug"; got "loud"/],
    [{ lockdown: 1 }, /"lockdown" must be true or false/],
    ['{ "maxClients": 5, }', /pp\.json is not valid JSON/],
    ['[1, 2]', /must hold one JSON object/],
    [{ heartbeatIntervalMs: 60_000, heartbeatTimeoutMs: 30_000 }, /heartbeat timeout must be longer/],
  ];
  for (const [content, pattern] of cases) {
    const file = writeJson(path.join(dir, 'pp.json'), content);
    const error = refusal(() => loadServerSettings({ flags: { config: file }, env: {} }));
    assert.equal(error.code, 'CONFIG_INVALID', JSON.stringify(content));
    assert.match(error.message, pattern, JSON.stringify(content));
  }
  const missing = refusal(() => loadServerSettings({ flags: { config: path.join(dir, 'nope.json') }, env: {} }));
  assert.match(missing.message, /There is no config file .*nope\.json/);
  const file = writeJson(path.join(dir, 'ok.json'), { $comment: 'notes for the admin', lockdown: true });
  assert.deepEqual(readConfigFile(file, { required: true, inDataDir: false }), { file, values: {}, lockdown: true });
});

test('secrets: a file flag, then the environment, then a systemd credential', () => {
  const credentials = tempDir();
  fs.writeFileSync(path.join(credentials, 'passkey'), 'from-credential\n');
  const source = { label: 'passkey', envName: 'PARTY_POOL_PASSKEY', file: undefined, credential: 'passkey' };
  assert.equal(givenSecret(source, { CREDENTIALS_DIRECTORY: credentials }), 'from-credential');
  assert.equal(givenSecret(source, { CREDENTIALS_DIRECTORY: credentials, PARTY_POOL_PASSKEY: 'from-env' }), 'from-env');
  const file = path.join(credentials, 'other');
  fs.writeFileSync(file, 'from-file');
  assert.equal(givenSecret({ ...source, file }, { CREDENTIALS_DIRECTORY: credentials }), 'from-file');
  assert.equal(givenSecret({ ...source, credential: 'root-password' }, { CREDENTIALS_DIRECTORY: credentials }), undefined);
  assert.equal(givenSecret(source, {}), undefined);
});

test('docs/OPERATIONS.md lists every setting by key, with its environment variable', () => {
  const doc = fs.readFileSync(new URL('../../../docs/OPERATIONS.md', import.meta.url), 'utf8');
  for (const spec of serverSettingSpecs) {
    assert.match(doc, new RegExp(`^\\| \`${spec.key}\` \\|[^\\n]*\`${envNameFor(spec.key)}\``, 'm'), spec.key);
  }
});
