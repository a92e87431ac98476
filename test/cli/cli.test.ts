import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { binPath, cleanEnv, runCli } from '../helpers/cli.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const packageVersion = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('cli: usage', () => {
  test('--version prints the package version, everywhere', async () => {
    for (const args of [['--version'], ['client', '--version'], ['server', '--version']]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.trim(), packageVersion);
    }
  });

  test('--help lists commands and every subcommand has --help', async () => {
    const general = await runCli(['--help']);
    assert.equal(general.code, 0);
    for (const name of ['server', 'client', 'root', 'package']) {
      assert.match(general.stdout, new RegExp(`\\b${name}\\b`));
      const sub = await runCli([name, '--help']);
      assert.equal(sub.code, 0, name);
      assert.match(sub.stdout, new RegExp(`Usage: party-pool ${name}`));
    }
  });

  test('unknown commands and options are usage errors (exit 2) with one sentence', async () => {
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const badOption = await runCli(['client', '--bogus']);
    assert.equal(badOption.code, 2);
    assert.equal(badOption.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(badOption.stderr, /at .*\.js:\d+/);
  });

  test('a secret is never accepted as an argument', async () => {
    const result = await runCli(['server', '--passkey', 'hunter2hunter2']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /never taken as arguments/);
  });

  test('the server refuses a short passkey, a short root password, and equal secrets', async () => {
    const dir = tempDir();
    const base = ['server', '--port', '0', '--data-dir', path.join(dir, 'd'), '--log-dir', path.join(dir, 'l')];
    const short = await runCli(base, { env: { PARTY_POOL_PASSKEY: 'short', PARTY_POOL_ROOT_PASSWORD: 'long-enough-root' } });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /passkey must be at least 8 characters/);
    const shortRoot = await runCli(base, { env: { PARTY_POOL_PASSKEY: 'long-enough', PARTY_POOL_ROOT_PASSWORD: 'short-rt' } });
    assert.equal(shortRoot.code, 2);
    assert.match(shortRoot.stderr, /root password must be at least 10 characters/);
    const same = await runCli(base, { env: { PARTY_POOL_PASSKEY: 'same-secret-123', PARTY_POOL_ROOT_PASSWORD: 'same-secret-123' } });
    assert.equal(same.code, 2);
    assert.match(same.stderr, /must differ/);
    const missing = await runCli(base);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /PARTY_POOL_PASSKEY/);
  });

  test('a client with no local server says so and exits 4', async () => {
    const result = await runCli(['client', '--data-dir', tempDir(), '--name', 'x'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /No running server found/);
  });
});

describe('cli: server subcommand', () => {
  test('writes server.json while running; SIGTERM notifies clients, removes it and exits 0', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs')], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const infoFile = path.join(dataDir, 'server.json');
    while (!output.includes('Live log')) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(output, /Listening\s+127\.0\.0\.1:\d+/);
    assert.match(output, /Fingerprint\s+SHA256:/);
    assert.match(output, /Public IPv4\s+unavailable/);
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { port: number; fingerprint: string; pid: number };
    assert.equal(info.pid, child.pid);
    assert.equal(fs.statSync(infoFile).mode & 0o777, 0o600);
    const listener = spawn(process.execPath, [binPath, 'client', '--data-dir', dataDir, '--name', 'listener', '--json'], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let heard = '';
    listener.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    while (!heard.includes('welcome')) await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const listenerExited = new Promise<number | null>((resolve) => listener.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(fs.existsSync(infoFile), false);
    assert.equal(await listenerExited, 0);
    assert.match(heard, /"type":"notice","from":"server","text":"The server is shutting down\."/);
  });

  test('a restart with a different passkey is refused instead of silently locking everyone out', async () => {
    const dir = tempDir();
    const t = await startTestServer({}, dir);
    await t.close();
    const result = await runCli(['server', '--port', '0', '--data-dir', t.dataDir, '--log-dir', t.logDir], {
      env: { PARTY_POOL_PASSKEY: 'a-different-passkey', PARTY_POOL_ROOT_PASSWORD: 'root-password-staple' },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /does not match the one this server was set up with/);
  });
});

describe('cli: client line mode', () => {
  let t: TestServer;
  let target: string[];
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('line mode sends each line, prints events, and exits 0 once everything is acknowledged', async () => {
    const result = await runCli(['client', ...target, '--name', 'liner'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'first line\nsecond line\n/online\n/ip\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Welcome, liner!/);
    assert.match(result.stdout, /\] liner: first line\n/);
    assert.match(result.stdout, /\] liner: second line\n/);
    assert.match(result.stdout, /Online \(1\): liner/);
    assert.match(result.stdout, /Your address as the server sees it: 127\.0\.0\.1/);
  });

  test('--json prints one JSON object per event', async () => {
    const passkeyFile = path.join(tempDir(), 'passkey');
    fs.writeFileSync(passkeyFile, PASSKEY + '\n', { mode: 0o600 });
    const result = await runCli(['client', ...target, '--name', 'jsoner', '--json', '--passkey-file', passkeyFile], { input: 'hello json\n/online\n/nope\n/request more chairs\n' });
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const message = events.find((e) => e.type === 'message');
    // Protocol 2 adds the room and the message id; the fields from protocol 1 stay.
    assert.deepEqual(Object.keys(message ?? {}).sort(), ['from', 'id', 'room', 'text', 'time', 'type']);
    assert.equal(message?.room, '#lobby');
    assert.equal(message?.from, 'jsoner');
    assert.equal(message?.text, 'hello json');
    assert.deepEqual(events.find((e) => e.type === 'online'), { type: 'online', users: ['jsoner'] });
    assert.deepEqual(events.find((e) => e.type === 'confirmation'), { type: 'confirmation', text: 'Your request was stored for the admin.' });
    assert.deepEqual(events.find((e) => e.type === 'error'), { type: 'error', code: 'UNKNOWN_COMMAND', message: 'Unknown command "nope". Type /help for the list.' });
  });

  test('two line-mode clients see each other', async () => {
    const listener = spawn(process.execPath, [binPath, 'client', ...target, '--name', 'ears', '--json'], { env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }), stdio: ['pipe', 'pipe', 'pipe'] });
    let heard = '';
    listener.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    while (!heard.includes('welcome')) await new Promise((resolve) => setTimeout(resolve, 50));
    const talker = await runCli(['client', ...target, '--name', 'mouth'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'can you hear me\n' });
    assert.equal(talker.code, 0);
    while (!heard.includes('can you hear me')) await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = new Promise((resolve) => listener.on('close', resolve));
    listener.stdin.end('/exit\n');
    assert.equal(await exited, 0);
  });

  test('a wrong passkey exits 3 with one sentence', async () => {
    const result = await runCli(['client', ...target, '--name', 'guesser'], { env: { PARTY_POOL_PASSKEY: 'wrong-passkey' }, input: 'hi\n' });
    assert.equal(result.code, 3);
    assert.equal(result.stderr.trim(), 'Wrong passkey.');
  });

  test('a wrong fingerprint is refused with exit 4 and an explanation', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const result = await runCli(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', wrong, '--name', 'pinned'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /not the pinned/);
  });

  test('a taken name in line mode exits 3', async () => {
    const holder = spawn(process.execPath, [binPath, 'client', ...target, '--name', 'holder', '--json'], { env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }), stdio: ['pipe', 'pipe', 'pipe'] });
    let heard = '';
    holder.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
    while (!heard.includes('welcome')) await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await runCli(['client', ...target, '--name', 'HOLDER'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /already in use/);
    holder.stdin.end();
    await new Promise((resolve) => holder.on('close', resolve));
  });

  test('no server listening: exit 4', async () => {
    const result = await runCli(['client', '--server', '127.0.0.1:1', '--fingerprint', t.fingerprint, '--name', 'nobody'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /Cannot connect/);
  });
});

describe('cli: server errors', () => {
  test('a port already in use is one clear sentence and exit 1', async () => {
    const t = await startTestServer();
    try {
      const dir = tempDir();
      const result = await runCli(['server', '--host', '127.0.0.1', '--port', String(t.port), '--data-dir', path.join(dir, 'd'), '--log-dir', path.join(dir, 'l')], {
        env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /already using that port/);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    } finally {
      await t.close();
    }
  });

  test('a second server on the same data directory is refused', async () => {
    const t = await startTestServer();
    try {
      const result = await runCli(['server', '--host', '127.0.0.1', '--port', '0', '--data-dir', t.dataDir, '--log-dir', t.logDir], {
        env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-staple' },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /already running from/);
      const info = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'server.json'), 'utf8')) as { port: number };
      assert.equal(info.port, t.port, 'the running server keeps its server.json');
    } finally {
      await t.close();
    }
  });

  test('a server whose output pipe closes keeps running and still shuts down cleanly', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs')], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const infoFile = path.join(dataDir, 'server.json');
    await waitUntil(() => fs.existsSync(infoFile), 20_000, 'server.json');
    // Logging a login writes to the closed pipe; the server must shrug that off.
    const chat = await runCli(['client', '--data-dir', dataDir, '--name', 'pipetest'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'still alive\n' });
    assert.equal(chat.code, 0, chat.stderr);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(fs.existsSync(infoFile), false);
    assert.doesNotMatch(stderr, /EPIPE/);
  });

  test('a damaged auth.json is one clear sentence, for the server and for package', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'd');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dataDir, 'auth.json'), '{"passkey": "not what it should be"', { mode: 0o600 });
    const env = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' };
    const server = await runCli(['server', '--port', '0', '--data-dir', dataDir, '--log-dir', path.join(dir, 'l')], { env });
    assert.equal(server.code, 1);
    assert.match(server.stderr, /auth\.json is damaged; move it away/);
    const pkg = await runCli(['package', '--kind', 'client', '--platform', 'macos', '--address', 'a.example', '--data-dir', dataDir, '--out', path.join(dir, 'out')], { env });
    assert.equal(pkg.code, 1);
    assert.match(pkg.stderr, /auth\.json is damaged; move it away/);
  });

  test('an unusable data directory is a clear error', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'file-not-dir');
    fs.writeFileSync(blocker, 'x');
    const result = await runCli(['server', '--port', '0', '--data-dir', path.join(blocker, 'data'), '--log-dir', path.join(dir, 'l')], {
      env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Cannot use the data directory .*a file is in the way.*\(ENOTDIR\)/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
});

describe('cli: client input checks', () => {
  test('an invalid --name in line mode is a usage error before any connection', async () => {
    const result = await runCli(['client', '--server', '127.0.0.1:1', '--fingerprint', 'SHA256:' + 'A'.repeat(43), '--name', 'bad name'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--name "bad name": Names are 1-24 characters/);
  });
});
