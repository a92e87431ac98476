// `party-pool root` as a person or a script runs it: line mode, --json, refusals and exit
// statuses; kicked and banned clients; and a root closing a `party-pool server` process. The
// root and client runs are in-process (main() on in-memory streams); the server of the last
// test is a real `party-pool server` process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { binPath, cleanEnv } from '../helpers/cli.js';
import { runMain, startMain, waitForOutput, type LiveRun } from '../helpers/in-process.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const secrets = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD };

/** A line-mode client that stays connected until its stdin ends (at the latest when the test ends). */
function liveClient(t: TestContext, args: string[]): LiveRun {
  const run = startMain(['client', ...args], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
  t.after(() => run.stdin.end());
  return run;
}

describe('party-pool root', () => {
  let t: TestServer;
  let target: string[];
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('line mode: one command per line, every answer printed, errors keep it going, and exit 1 names the refused lines', async () => {
    const result = await runMain(['root', ...target], { env: secrets, input: 'help\nlist-conn\nfrobnicate\nban -ip nonsense\n\nstats\n' });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^2 lines were refused — line 3 \(frobnicate\): Unknown command "frobnicate"\. Type help for the list\.; line 4 \(ban\): "nonsense" is not a valid IP address/);
    assert.match(result.stdout, /^Logged in as root#\d+; 0 users online\./);
    assert.match(result.stdout, /Commands:\n(.*\n)*\s+close-server \[-t <seconds>\] \[-m "message"\]\s+Shut down now, or after a countdown/);
    assert.match(result.stdout, /Connections:\n\s+0 users and 1 root session connected\.\n\s+name\s+role\s+address\s+connected since\s+idle\n\s+root#\d+\s+root\s+127\.0\.0\.1/);
    assert.match(result.stdout, /! Unknown command "frobnicate"\. Type help for the list\.\n/);
    assert.match(result.stdout, /! "nonsense" is not a valid IP address/);
    // Codes are for programs (--json); people read sentences.
    assert.doesNotMatch(result.stdout, /\[(UNKNOWN_COMMAND|INVALID_ADDRESS)\]/);
    assert.match(result.stdout, /Statistics:\n\s+Uptime: /);
  });

  test('--json prints one JSON object per answer and event; secrets can come from files', async (tt) => {
    const dir = tempDir();
    const passkeyFile = path.join(dir, 'passkey');
    const rootFile = path.join(dir, 'root-password');
    fs.writeFileSync(passkeyFile, PASSKEY + '\n', { mode: 0o600 });
    fs.writeFileSync(rootFile, ROOT_PASSWORD + '\n', { mode: 0o600 });
    const user = liveClient(tt, [...target, '--name', 'jsonwatched']);
    await waitForOutput(user.out, 'Welcome');
    const result = await runMain(['root', ...target, '--json', '--passkey-file', passkeyFile, '--root-password-file', rootFile], { input: 'list-conn -u\nnope\nsend -all "hello from root"\n' });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim(), 'Line 2 (nope) was refused: Unknown command "nope". Type help for the list.');
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(events[0]?.type, 'welcome');
    assert.match(String(events[0]?.name), /^root#\d+$/);
    const names = events.find((e) => e.type === 'result' && e.title === 'Connected names');
    assert.deepEqual(names?.columns, ['name', 'role']);
    assert.ok((names?.rows as string[][]).some((row) => row[0] === 'jsonwatched' && row[1] === 'user'));
    assert.deepEqual(events.find((e) => e.type === 'error'), { type: 'error', code: 'UNKNOWN_COMMAND', message: 'Unknown command "nope". Type help for the list.' });
    assert.deepEqual(events.find((e) => e.type === 'result' && e.title === 'Notice sent'), { type: 'result', title: 'Notice sent', lines: ['Root notice delivered to 1 session.'] });
    await waitForOutput(user.out, '*** ROOT NOTICE: hello from root');
    user.stdin.end();
    assert.equal(await user.exited, 0);
  });

  test('a wrong root password or passkey exits 3 with one sentence, and is counted for the address', async () => {
    // Read through the root console's `stats`, as an admin would (column 3: failed logins).
    const failures = async (): Promise<number> => {
      const stats = await runMain(['root', ...target, '--json'], { env: secrets, input: 'stats\n' });
      const table = stats.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; rows?: string[][] }).find((e) => e.type === 'result');
      return Number(table?.rows?.find((r) => r[0] === '127.0.0.1')?.[2] ?? 0);
    };
    const before = await failures();
    const wrongRoot = await runMain(['root', ...target], { env: { ...secrets, PARTY_POOL_ROOT_PASSWORD: 'not-the-root-password' }, input: 'stats\n' });
    assert.equal(wrongRoot.code, 3);
    assert.equal(wrongRoot.stderr.trim(), 'Wrong root password.');
    const wrongPasskey = await runMain(['root', ...target], { env: { ...secrets, PARTY_POOL_PASSKEY: 'not-the-passkey' }, input: 'stats\n' });
    assert.equal(wrongPasskey.code, 3);
    assert.equal(wrongPasskey.stderr.trim(), 'Wrong passkey.');
    assert.equal(await failures(), before + 2);
  });

  test('without a root password and no terminal to ask on, it is a usage error', async () => {
    const result = await runMain(['root', ...target], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /PARTY_POOL_ROOT_PASSWORD/);
  });

  test('a kicked client says why and exits 3; so does a banned one, and the name is then refused', async (tt) => {
    const kicked = liveClient(tt, [...target, '--name', 'kickme']);
    const watcher = liveClient(tt, [...target, '--name', 'watcher', '--json']);
    await waitForOutput(kicked.out, 'Welcome');
    await waitForOutput(watcher.out, 'welcome');
    assert.equal((await runMain(['root', ...target], { env: secrets, input: 'remove -u kickme\n' })).code, 0);
    assert.equal(await kicked.exited, 3);
    assert.match(kicked.err(), /You were removed from the server by an administrator\./);
    await waitForOutput(watcher.out, '"reason":"kicked"');

    const banned = liveClient(tt, [...target, '--name', 'banme']);
    await waitForOutput(banned.out, 'Welcome');
    assert.equal((await runMain(['root', ...target], { env: secrets, input: 'ban -u banme 1h\n' })).code, 0);
    assert.equal(await banned.exited, 3);
    assert.match(banned.err(), /You were banned from this server for another 1h\./);
    await waitForOutput(watcher.out, '"reason":"banned"');
    const again = await runMain(['client', ...target, '--name', 'banme'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(again.code, 3);
    assert.match(again.stderr, /The name "banme" is banned from this server for another (1h|59m \d+s)\./);
    assert.equal((await runMain(['root', ...target], { env: secrets, input: 'unban banme\n' })).code, 0);
    watcher.stdin.end();
    assert.equal(await watcher.exited, 0);
  });
});

describe('party-pool root against party-pool server', () => {
  test('close-server -t 2 -m: clients see the countdown and the message; the server process exits 0 and cleans up', async (tt) => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const logDir = path.join(dir, 'logs');
    const server = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', logDir], { env: cleanEnv(secrets), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const serverExited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
    tt.after(() => server.kill('SIGKILL'));
    await waitForOutput(() => output, 'Log file:', 20_000);
    const listener = liveClient(tt, ['--data-dir', dataDir, '--name', 'listener', '--json']);
    await waitForOutput(listener.out, 'welcome');

    const root = await runMain(['root', '--data-dir', dataDir], { env: secrets, input: 'close-server -t 2 -m "Bye for now"\n' });
    assert.equal(root.code, 0, root.stderr);
    assert.match(root.stdout, /Shutdown scheduled:\n\s+The server shuts down in 2s/);
    assert.equal(await serverExited, 0);
    assert.equal(await listener.exited, 0);
    const notices = listener
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e.type === 'notice')
      .map((e) => `${String(e.from)}: ${String(e.text)}`);
    assert.deepEqual(notices, ['server: The server shuts down in 2s: Bye for now', 'server: The server shuts down in 1s: Bye for now', 'server: Bye for now']);
    assert.equal(fs.existsSync(path.join(dataDir, 'server.json')), false);
    const stats = JSON.parse(fs.readFileSync(path.join(dataDir, 'stats.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(stats.totalVisits, 1);
    const audit = fs.readFileSync(path.join(logDir, 'audit.log'), 'utf8');
    assert.match(audit, /"action":"close-server","targets":\["-t","2","-m","\(message: 11 characters\)"\],"result":"ok"/);
    assert.ok(!audit.includes('Bye for now'));
  });
});
