// The service files in templates/service/: the systemd unit passes `systemd-analyze verify` and is
// hardened as the README says; the server really reads its secrets from $CREDENTIALS_DIRECTORY
// (LoadCredential=); the Dockerfile and compose example keep data and logs in volumes, run
// unprivileged and fetch nothing but the base image, Debian and npm packages.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { binPath, cleanEnv, repoRoot } from '../helpers/cli.js';
import { waitForOutput } from '../helpers/in-process.js';
import { PASSKEY, tempDir } from '../helpers/server.js';

const serviceDir = path.join(repoRoot, 'templates', 'service');
const unit = fs.readFileSync(path.join(serviceDir, 'party-pool.service'), 'utf8');
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/** Values of a directive in the unit (repeated directives give several). */
function directive(name: string): string[] {
  return unit.split('\n').flatMap((line) => (line.startsWith(`${name}=`) ? [line.slice(name.length + 1)] : []));
}

test('the systemd unit passes systemd-analyze verify', { skip: !hasAnalyze && !process.env.CI ? 'systemd-analyze is not installed (apt install systemd)' : false }, () => {
  const dir = tempDir();
  // verify checks that ExecStart's program exists: point it at this machine's node.
  const file = path.join(dir, 'party-pool.service');
  fs.writeFileSync(file, unit.replaceAll('/usr/bin/node', process.execPath));
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /Unknown|ignoring|not executable|Failed/i, result.stderr);
});

test('the unit is hardened and takes its secrets as credentials', () => {
  assert.deepEqual(directive('NoNewPrivileges'), ['yes']);
  assert.deepEqual(directive('ProtectSystem'), ['strict']);
  assert.deepEqual(directive('ReadWritePaths'), ['/var/lib/party-pool /var/log/party-pool']);
  assert.deepEqual(directive('LoadCredential').sort(), ['passkey:/etc/party-pool/passkey', 'root-password:/etc/party-pool/root-password']);
  assert.match(directive('ExecStart')[0] ?? '', /server --data-dir \/var\/lib\/party-pool --log-dir \/var\/log\/party-pool$/);
  assert.deepEqual(directive('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  assert.deepEqual(directive('CapabilityBoundingSet'), ['']);
  assert.equal(directive('MemoryDenyWriteExecute').length, 0, "Node's JIT needs it off");
  assert.ok(!/PARTY_POOL_(PASSKEY|ROOT_PASSWORD)/.test(unit), 'no secret in the environment');
});

test('the server reads its passkey and root password from $CREDENTIALS_DIRECTORY', async (t) => {
  const dir = tempDir();
  const credentials = path.join(dir, 'credentials');
  fs.mkdirSync(credentials, { mode: 0o700 });
  fs.writeFileSync(path.join(credentials, 'passkey'), `${PASSKEY}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(credentials, 'root-password'), 'root-password-1234\n', { mode: 0o600 });
  const child = spawn(process.execPath, [binPath, 'server', '--host', '127.0.0.1', '--port', '0', '--data-dir', path.join(dir, 'data'), '--log-dir', path.join(dir, 'logs')], {
    env: cleanEnv({ CREDENTIALS_DIRECTORY: credentials }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<string>((resolve) => child.on('close', (code, signal) => resolve(`${code ?? signal}`)));
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(() => output, 'Log file:', 20_000);
  child.kill('SIGTERM');
  assert.equal(await exited, '0', output);
  // The login keys were derived from the credential files (auth.json exists), and no secret was logged.
  assert.ok(fs.existsSync(path.join(dir, 'data', 'auth.json')));
  assert.ok(!fs.readFileSync(path.join(dir, 'logs', 'server.log'), 'utf8').includes(PASSKEY));
});

test('the Dockerfile and compose example: volumes, secrets, an unprivileged user, no downloads of their own', () => {
  const dockerfile = fs.readFileSync(path.join(serviceDir, 'Dockerfile'), 'utf8');
  const compose = fs.readFileSync(path.join(serviceDir, 'compose.yaml'), 'utf8');
  assert.match(dockerfile, /^VOLUME \["\/data", "\/logs"\]$/m);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /npm_config_build_from_source=true/, 'the SQLite driver is compiled, not downloaded');
  assert.doesNotMatch(dockerfile, /\b(curl|wget)\b|^ADD\s+https?:/im);
  assert.match(dockerfile, /--passkey-file", "\/run\/secrets\/passkey", "--root-password-file", "\/run\/secrets\/root_password"/);
  for (const needed of ['party-pool-data:/data', 'party-pool-logs:/logs', 'secrets:', 'passkey:', 'root_password:', 'dockerfile: templates/service/Dockerfile']) assert.ok(compose.includes(needed), needed);
  assert.doesNotMatch(compose, /9464|metrics-port/, 'the metrics endpoint is never published');
  const example = JSON.parse(fs.readFileSync(path.join(serviceDir, 'party-pool.example.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(example.metricsPort, 0);
});
