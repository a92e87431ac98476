// `party-pool client --gui` as a process: the printed link (text and --json), a page logging in
// over the WebSocket, Leave (exit 0), Ctrl-C (exit 130), a browser that cannot be opened (a
// hint, not an error), and an issued zip package whose passkey is typed in the page.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { binPath, cleanEnv, runCli } from '../helpers/cli.js';
import { exchange, openPage, pageHeaders, type PageSocket } from '../helpers/gui.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const version = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A running `--gui` process and what it printed so far. */
class GuiProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async url(json: boolean): Promise<string> {
    await waitUntil(() => this.stdout.includes('\n'), 15_000, 'the link');
    const first = this.stdout.split('\n')[0] ?? '';
    if (json) {
      const event = JSON.parse(first) as { type: string; url: string };
      assert.equal(event.type, 'gui');
      return event.url;
    }
    const match = /^Party Pool is open in your browser: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/.exec(first);
    assert.ok(match, first);
    return match[1] ?? '';
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function startGuiProcess(command: string, args: string[], env: Record<string, string | undefined> = {}): GuiProcess {
  return new GuiProcess(spawn(command, args, { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] }));
}

async function connectedPage(url: string): Promise<PageSocket> {
  const port = Number(new URL(url).port);
  const page = openPage(port, pageHeaders(port, await exchange(url)));
  await page.opened;
  return page;
}

describe('party-pool client --gui', () => {
  let t: TestServer;
  const running: GuiProcess[] = [];
  const pages: PageSocket[] = [];
  const dirs: string[] = [];
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(async () => {
    for (const page of pages) page.close();
    for (const gui of running) gui.kill();
    await Promise.all(running.map((gui) => gui.exited));
    await t.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const serverArgs = (): string[] => ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];

  test('--json prints the link as {"type":"gui","url"}; a page logs in and Leave exits 0', async () => {
    const gui = startGuiProcess(process.execPath, [binPath, 'client', '--gui', '--no-open', '--json', '--name', 'gwen', ...serverArgs()], { PARTY_POOL_PASSKEY: PASSKEY });
    running.push(gui);
    const url = await gui.url(true);
    const page = await connectedPage(url);
    pages.push(page);
    const hello = await page.waitFor('hello');
    // The passkey came from the environment: the form does not ask for it, and the name is prefilled.
    assert.equal(hello.login.askPasskey, false);
    assert.equal(hello.login.name, 'gwen');
    page.send({ type: 'login', name: 'gwen' });
    const chat = await page.waitFor('phase', (event) => event.phase === 'chat');
    assert.equal(chat.chat?.me, 'gwen');
    await waitUntil(() => t.server.onlineNames().includes('gwen'), 10_000, 'gwen online');
    page.send({ type: 'send', room: '#lobby', text: 'hello from the app' });
    await page.waitFor('entries', (event) => event.entries.some((entry) => entry.kind === 'chat' && entry.text === 'hello from the app' && entry.mine));
    page.send({ type: 'leave' });
    await page.waitFor('goodbye');
    assert.equal(await gui.exited, 0);
    await waitUntil(() => !t.server.onlineNames().includes('gwen'), 10_000, 'gwen gone');
    assert.doesNotMatch(gui.stdout + gui.stderr, new RegExp(PASSKEY));
    assert.equal(gui.stdout.trim().split('\n').length, 1, 'only the link is printed');
  });

  test('prints the sentence with the link; Ctrl-C says goodbye to the page and exits 130', async () => {
    const gui = startGuiProcess(process.execPath, [binPath, 'client', '--gui', '--no-open', ...serverArgs()]);
    running.push(gui);
    const url = await gui.url(false);
    const page = await connectedPage(url);
    pages.push(page);
    assert.equal((await page.waitFor('hello')).login.askPasskey, true);
    gui.child.kill('SIGINT');
    await page.waitFor('goodbye');
    assert.equal(await gui.exited, 130);
  });

  test('a browser that cannot be opened is a hint on stderr, not an error', async () => {
    const emptyPath = tempDir('party-pool-no-browser-');
    dirs.push(emptyPath);
    const gui = startGuiProcess(process.execPath, [binPath, 'client', '--gui', ...serverArgs()], { PATH: emptyPath });
    running.push(gui);
    await gui.url(false);
    await waitUntil(() => gui.stderr.includes('Could not open a browser'), 15_000, 'the hint');
    assert.equal(gui.child.exitCode, null, 'still running');
    gui.child.kill('SIGINT');
    assert.equal(await gui.exited, 130);
  });

  test('--no-open and --gui are in --help', async () => {
    const help = await runCli(['client', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--gui \[--no-open\]/);
  });

  const unzipSkip = spawnSync('unzip', ['-v']).error === undefined ? false : process.env.CI ? false : 'unzip is not installed';
  test('an issued zip package opens its sealed file with the passkey typed in the page', { skip: unzipSkip, timeout: 240_000 }, async () => {
    const out = tempDir('party-pool-gui-dist-');
    dirs.push(out);
    const built = await runCli(['package', '--kind', 'client', '--platform', 'macos', '--address', `127.0.0.1:${t.port}`, '--data-dir', t.dataDir, '--out', out], {
      env: { PARTY_POOL_PASSKEY: PASSKEY },
      timeoutMs: 200_000,
    });
    assert.equal(built.code, 0, built.stderr);
    const unzipped = tempDir('party-pool-gui-unzip-');
    dirs.push(unzipped);
    assert.equal(spawnSync('unzip', ['-q', path.join(out, 'client', `PartyPoolClient-v${version}.zip`), '-d', unzipped]).status, 0);
    const folder = path.join(unzipped, fs.readdirSync(unzipped)[0] ?? '');
    const gui = startGuiProcess(process.execPath, [path.join(folder, 'client.cjs'), '--gui', '--no-open', '--json']);
    running.push(gui);
    const page = await connectedPage(await gui.url(true));
    pages.push(page);
    assert.equal((await page.waitFor('hello')).login.askPasskey, true);
    page.send({ type: 'login', name: 'zippy', passkey: 'not-the-passkey' });
    const refused = await page.waitFor('phase', (event) => event.phase === 'login' && event.login.error !== undefined, 30_000);
    assert.equal(refused.login.error?.field, 'passkey');
    page.send({ type: 'login', name: 'zippy', passkey: PASSKEY });
    await page.waitFor('phase', (event) => event.phase === 'chat', 30_000);
    await waitUntil(() => t.server.onlineNames().includes('zippy'), 10_000, 'zippy online');
    page.send({ type: 'leave' });
    assert.equal(await gui.exited, 0);
  });
});
