// The `party-pool` command line. Most runs are in-process (main() on in-memory streams, the same
// exit status and output a spawned CLI gives); a few spawn the real bin so the process-level
// contract (exit codes, signals, a closed pipe) is covered too, and so does every
// `party-pool server` start, which runs as a process of its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { binPath, cleanEnv, runCli } from '../helpers/cli.js';
import { runMain, startMain, waitForOutput } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const packageVersion = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Wait for a spawned process to end; its exit code. */
function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('cli: usage', () => {
  test('--version prints the package version, everywhere', async () => {
    for (const args of [['--version'], ['client', '--version'], ['server', '--version']]) {
      const result = await runMain(args);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.trim(), packageVersion);
    }
  });

  test('the real bin: --version exits 0, an unknown command exits 2 with one sentence', async () => {
    const version = await runCli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), packageVersion);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), 'Unknown command "frobnicate". Run "party-pool --help" for the list.');
  });

  test('--help lists commands and every subcommand has --help', async () => {
    const general = await runMain(['--help']);
    assert.equal(general.code, 0);
    for (const name of ['server', 'client', 'root', 'package', 'rotate-key']) {
      assert.match(general.stdout, new RegExp(`\\b${name}\\b`));
      const sub = await runMain([name, '--help']);
      assert.equal(sub.code, 0, name);
      assert.match(sub.stdout, new RegExp(`Usage: party-pool ${name}`));
    }
  });

  test('unknown commands and options are usage errors (exit 2) with one sentence', async () => {
    const unknown = await runMain(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "frobnicate"/);
    const badOption = await runMain(['client', '--bogus']);
    assert.equal(badOption.code, 2);
    assert.equal(badOption.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(badOption.stderr, /at .*\.js:\d+/);
    const debug = await runMain(['client', '--bogus', '--debug']);
    assert.match(debug.stderr, /at .*\.js:\d+/, '--debug adds the stack');
  });

  test('a secret is never accepted as an argument', async () => {
    const result = await runMain(['server', '--passkey', 'hunter2hunter2']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /never taken as arguments/);
  });

  test('the server refuses a short passkey, a short root password, or none, before starting', async () => {
    const dir = tempDir();
    const base = ['server', '--port', '0', '--data-dir', path.join(dir, 'd'), '--log-dir', path.join(dir, 'l')];
    const short = await runMain(base, { env: { PARTY_POOL_PASSKEY: 'short', PARTY_POOL_ROOT_PASSWORD: 'long-enough-root' } });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /passkey must be at least 8 characters/);
    const shortRoot = await runMain(base, { env: { PARTY_POOL_PASSKEY: 'long-enough', PARTY_POOL_ROOT_PASSWORD: 'short-rt' } });
    assert.equal(shortRoot.code, 2);
    assert.match(shortRoot.stderr, /root password must be at least 10 characters/);
    const missing = await runMain(base);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /PARTY_POOL_PASSKEY/);
  });

  test('the server refuses equal secrets', async () => {
    const dir = tempDir();
    const same = await runCli(['server', '--port', '0', '--data-dir', path.join(dir, 'd'), '--log-dir', path.join(dir, 'l')], { env: { PARTY_POOL_PASSKEY: 'same-secret-123', PARTY_POOL_ROOT_PASSWORD: 'same-secret-123' } });
    assert.equal(same.code, 2);
    assert.match(same.stderr, /must differ/);
  });

  test('a client with no local server says so and exits 4', async () => {
    const result = await runMain(['client', '--data-dir', tempDir(), '--name', 'x'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /No running server found/);
  });
});

describe('cli: server subcommand', () => {
  test('writes server.json while running; SIGTERM notifies clients, removes it and exits 0', async (t) => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs')], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(child);
    t.after(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const infoFile = path.join(dataDir, 'server.json');
    await waitForOutput(() => output, 'Log file:', 20_000);
    // Not a terminal (a service manager's log): plain "label: value" lines, no box, no colour.
    assert.match(output, /Party Pool v[\d.]+: server running\n/);
    assert.match(output, /Listening:\s+127\.0\.0\.1:\d+ \(this machine only\)/);
    assert.match(output, /Reachable:\s+only from this machine: friends cannot connect\./);
    assert.match(output, /Fingerprint:\s+SHA256:/);
    assert.doesNotMatch(output, /[╭│╰]/);
    assert.ok(!output.includes('\u001b['), 'no colour codes');
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { port: number; fingerprint: string; pid: number };
    assert.equal(info.pid, child.pid);
    assert.equal(fs.statSync(infoFile).mode & 0o777, 0o600);
    const listener = startMain(['client', '--data-dir', dataDir, '--name', 'listener', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    t.after(() => listener.stdin.end());
    await waitForOutput(listener.out, 'welcome');
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(fs.existsSync(infoFile), false);
    assert.equal(await listener.exited, 0);
    assert.match(listener.out(), /"type":"notice","from":"server","text":"The server is shutting down\."/);
  });

  test('a restart with a different passkey is refused instead of silently locking everyone out', async (tt) => {
    const dir = tempDir();
    const t = await startTestServer({}, dir);
    tt.after(() => t.close());
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
    const result = await runMain(['client', ...target, '--name', 'liner'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'first line\nsecond line\n/online\n/ip\n' });
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
    const result = await runMain(['client', ...target, '--name', 'jsoner', '--json', '--passkey-file', passkeyFile], { input: 'hello json\n/online\n/nope\n/request more chairs\n' });
    // The unknown command was refused: exit 1, and stderr says which line.
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim(), 'Line 3 (/nope) was refused: Unknown command "nope". Type /help for the list.');
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

  test('two line-mode clients see each other; /exit ends the listener with 0', async (tt) => {
    const listener = startMain(['client', ...target, '--name', 'ears', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    tt.after(() => listener.stdin.end());
    await waitForOutput(listener.out, 'welcome');
    const talker = await runMain(['client', ...target, '--name', 'mouth'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'can you hear me\n' });
    assert.equal(talker.code, 0);
    await waitForOutput(listener.out, 'can you hear me');
    listener.stdin.end('/exit\n');
    assert.equal(await listener.exited, 0);
  });

  test('the real bin: a wrong passkey exits 3 with one sentence', async () => {
    const result = await runCli(['client', ...target, '--name', 'guesser'], { env: { PARTY_POOL_PASSKEY: 'wrong-passkey' }, input: 'hi\n' });
    assert.equal(result.code, 3);
    assert.equal(result.stderr.trim(), 'Wrong passkey.');
  });

  test('a wrong fingerprint is refused with exit 4 and an explanation', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const result = await runMain(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', wrong, '--name', 'pinned'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.match(result.stderr, /not the pinned/);
  });

  test('a taken name in line mode exits 3', async (tt) => {
    const holder = startMain(['client', ...target, '--name', 'holder', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    tt.after(() => holder.stdin.end());
    await waitForOutput(holder.out, 'welcome');
    const result = await runMain(['client', ...target, '--name', 'HOLDER'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /already in use/);
    holder.stdin.end();
    assert.equal(await holder.exited, 0);
  });

  test('no server listening: exit 4', async () => {
    const result = await runMain(['client', '--server', '127.0.0.1:1', '--fingerprint', t.fingerprint, '--name', 'nobody'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 4);
    assert.equal(result.stderr.trim(), 'The server at 127.0.0.1:1 is not answering. Is it running?');
  });
});

describe('cli: server errors', () => {
  test('a port already in use is one clear sentence and exit 1', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const dir = tempDir();
    const result = await runCli(['server', '--host', '127.0.0.1', '--port', String(t.port), '--data-dir', path.join(dir, 'd'), '--log-dir', path.join(dir, 'l')], {
      env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Cannot listen on 127\.0\.0\.1:\d+: port \d+ is already in use by another program/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });

  test('a second server on the same data directory is refused', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const result = await runCli(['server', '--host', '127.0.0.1', '--port', '0', '--data-dir', t.dataDir, '--log-dir', t.logDir], {
      env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-staple' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already running from/);
    const info = JSON.parse(fs.readFileSync(path.join(t.dataDir, 'server.json'), 'utf8')) as { port: number };
    assert.equal(info.port, t.port, 'the running server keeps its server.json');
  });

  test('a server whose output pipe closes keeps running and still shuts down cleanly', async (tt) => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(dir, 'logs')], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(child);
    tt.after(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const infoFile = path.join(dataDir, 'server.json');
    await waitUntil(() => fs.existsSync(infoFile), 20_000, 'server.json');
    // Logging a login writes to the closed pipe; the server must shrug that off.
    const chat = await runMain(['client', '--data-dir', dataDir, '--name', 'pipetest'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'still alive\n' });
    assert.equal(chat.code, 0, chat.stderr);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal(fs.existsSync(infoFile), false);
    assert.doesNotMatch(stderr, /EPIPE/);
  });

  test('a damaged auth.json is one clear sentence, for the server and for package', async (tt) => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'd');
    const env = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'root-password-1234' };
    // A server that was set up once (keys, database, auth.json), then its auth.json damaged.
    const first = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(dir, 'l')], { env: cleanEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    const firstExit = exitOf(first);
    tt.after(() => first.kill('SIGKILL'));
    await waitUntil(() => fs.existsSync(path.join(dataDir, 'server.json')), 20_000, 'server.json');
    first.kill('SIGTERM');
    assert.equal(await firstExit, 0);
    fs.writeFileSync(path.join(dataDir, 'auth.json'), '{"passkey": "not what it should be"', { mode: 0o600 });
    const server = await runCli(['server', '--port', '0', '--data-dir', dataDir, '--log-dir', path.join(dir, 'l')], { env });
    assert.equal(server.code, 1);
    assert.match(server.stderr, /auth\.json is damaged; move it away/);
    const pkg = await runMain(['package', '--kind', 'client', '--platform', 'macos', '--address', 'a.example', '--data-dir', dataDir, '--out', path.join(dir, 'out')], { env });
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
    const result = await runMain(['client', '--server', '127.0.0.1:1', '--fingerprint', 'SHA256:' + 'A'.repeat(43), '--name', 'bad name'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--name "bad name": Names are 1-24 characters/);
  });

  test('--server and --fingerprint go together, and each must be well formed', async () => {
    const cases: [string[], RegExp][] = [
      [['--server', '127.0.0.1:1'], /go together/],
      [['--server', '127.0.0.1:1', '--fingerprint', 'nope'], /is not a fingerprint/],
      [['--server', 'bad host:1', '--fingerprint', 'SHA256:' + 'A'.repeat(43)], /is not a server address/],
    ];
    for (const [args, message] of cases) {
      const result = await runMain(['client', ...args, '--name', 'x'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
    }
  });
});
