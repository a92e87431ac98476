// Reloading settings: what can change live (limits, lockdown, log level) changes at once, the rest
// is reported as needing a restart; the config file's lockdown applies when its value changes.
// The real `party-pool server` re-reads its config file on SIGHUP, logs what changed, and keeps
// running on its old settings when the new file is bad.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadServerSettings, readConfigFile } from '../../src/common/config-file.js';
import { binPath, cleanEnv } from '../helpers/cli.js';
import { waitForOutput } from '../helpers/in-process.js';
import { loggedInV2, RawClient } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { PASSKEY, serverFor, tempDir } from '../helpers/server.js';

async function loginCode(port: number, name: string): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.versions = [1, 2];
    client.send(await client.authMessage(name));
    const first = await Promise.race([client.waitFor('welcome'), client.waitFor('error')]);
    return first.type === 'error' ? first.code : 'ok';
  } finally {
    client.destroy();
  }
}

test('reload applies live limits, the log level and the file lockdown; the rest waits for a restart', async (t) => {
  const dir = tempDir();
  const server = await serverFor(t, { maxClients: 1 }, dir);
  const configFile = path.join(dir, 'pp.json');
  const reload = (content: Record<string, unknown>): ReturnType<typeof server.server.reload> => {
    fs.writeFileSync(configFile, JSON.stringify(content));
    const file = readConfigFile(configFile, { required: true, inDataDir: false });
    const loaded = loadServerSettings({ flags: { config: configFile }, env: {} });
    return server.server.reload({ ...server.server.settings, ...pick(loaded.settings, Object.keys(content)) }, file);
  };
  const ann = await loggedInV2(server.port, 'ann');
  assert.equal(await loginCode(server.port, 'bob'), 'SERVER_FULL');

  const report = reload({ maxClients: 2, logLevel: 'debug', port: 4444, authFailureLimit: 7 });
  assert.deepEqual(
    report.applied.map((c) => `${c.key}:${String(c.from)}->${String(c.to)}`).sort(),
    ['authFailureLimit:3->7', 'logLevel:info->debug', 'maxClients:1->2'],
  );
  assert.deepEqual(
    report.needRestart.map((c) => c.key),
    ['port'],
  );
  assert.equal(server.server.logger.level, 'debug');
  assert.equal(server.server.limits.maxClients, 2);
  assert.equal(server.server.services.live.failurePolicy.maxFailures, 7);
  assert.equal(await loginCode(server.port, 'bob'), 'ok', 'the new limit holds at once');

  // Lockdown from the file: applied when its value changes, and not again after a root's change.
  const on = reload({ maxClients: 10, lockdown: true });
  assert.equal(on.lockdown, 'on');
  assert.equal(await loginCode(server.port, 'carl'), 'LOCKDOWN');
  const root = await rootLoggedIn(server.port);
  await runOk(root, 'lockdown', 'off');
  assert.equal(reload({ maxClients: 10, lockdown: true }).lockdown, undefined, 'an unchanged file leaves the root\'s choice alone');
  assert.equal(await loginCode(server.port, 'carl'), 'ok');
  root.destroy();
  ann.destroy();
  const audit = fs.readFileSync(path.join(server.logDir, 'audit.log'), 'utf8');
  assert.match(audit, /"who":"config file","from":"local","action":"lockdown","targets":\["on"\],"result":"ok"/);
});

function pick<T extends object>(value: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => keys.includes(key))) as Partial<T>;
}

test('party-pool server reloads its config file on SIGHUP and logs what changed; a bad file changes nothing', { skip: process.platform === 'win32' }, async (t) => {
  const dir = tempDir();
  const configFile = path.join(dir, 'party-pool.json');
  fs.writeFileSync(configFile, JSON.stringify({ maxClients: 25, host: '127.0.0.1', port: 0 }));
  const child = spawn(process.execPath, [binPath, 'server', '--config', configFile, '--data-dir', path.join(dir, 'data'), '--log-dir', path.join(dir, 'logs')], {
    env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(() => output, 'config file read', 20_000);
  assert.match(output, /config file read file=.*party-pool\.json/);

  fs.writeFileSync(configFile, JSON.stringify({ maxClients: 30, host: '127.0.0.1', port: 0, logLevel: 'warn', maxFrameBytes: 32768 }));
  child.kill('SIGHUP');
  await waitForOutput(() => output, 'settings changed that need a restart', 10_000);
  assert.match(output, /settings reloaded file=.*party-pool\.json changed=maxClients 25 -> 30, logLevel info -> warn/);
  assert.match(output, /settings changed that need a restart; not applied .*changed=maxFrameBytes 65536 -> 32768/);

  fs.writeFileSync(configFile, '{ "maxClients": "many" }');
  child.kill('SIGHUP');
  await waitForOutput(() => output, 'settings not reloaded', 10_000);
  assert.match(output, /settings not reloaded; the running settings stay reason=.*"maxClients" must be a whole number/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  // server.log is written in the background; after a clean exit it holds every line.
  const serverLog = fs.readFileSync(path.join(dir, 'logs', 'server.log'), 'utf8');
  assert.match(serverLog, /settings reloaded .*maxClients 25 -> 30/);
});
