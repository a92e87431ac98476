// The menu as a new admin meets it, driven in a real terminal (tmux): every mistake is explained
// and asked again on the spot, problems are found before any question and fixed from the menu,
// Esc or Ctrl-C inside an entry comes back to the menu, and only Exit (or Ctrl-C at the menu) ends it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { binPath } from '../helpers/cli.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;
const baseEnv = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color' };
const MENU = /What would you like to do\?/;
const BACK = /Back at the menu\.\s*\n.*What would you like to do\?/;

function menuIn(env: Record<string, string>): TmuxSession {
  return new TmuxSession(`node ${binPath}; echo "EXIT=$?"; sleep 60`, { ...baseEnv, ...env });
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Leave through Exit (the last entry) and expect status 0. */
async function exitMenu(menu: TmuxSession): Promise<void> {
  menu.press('Up', 'Enter');
  await menu.waitFor(/EXIT=0/);
}

describe('menu recoveries (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('Start Server: mismatched or equal secrets are explained and asked again; a restart checks the passkey as it is typed; Esc goes back', async () => {
    const dir = tempDir();
    const env = { PARTY_POOL_DATA_DIR: path.join(dir, 'data'), PARTY_POOL_LOG_DIR: path.join(dir, 'logs'), PARTY_POOL_PORT: '0', PARTY_POOL_HOST: '127.0.0.1' };
    const menu = menuIn(env);
    sessions.push(menu);
    await menu.waitFor(MENU);
    menu.press('Enter');
    await menu.waitFor(/Passkey:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Type the passkey again:/);
    menu.type('not-what-i-typed');
    menu.press('Enter');
    await menu.waitFor(/The two passkeys differed; type it again\. Passkey:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Type the passkey again:\s*$/m);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Root password:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/must differ from the passkey; choose another/);
    menu.press('C-u');
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    await menu.waitFor(/Type the root password again:/);
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    await menu.waitFor(/Live log/);
    menu.press('C-c');
    await menu.waitFor(/The server has stopped\. Back at the menu\./);

    // Started before: a wrong passkey is caught on the spot, before the root password is asked.
    menu.press('Enter');
    await menu.waitFor(/Passkey:\s*$/m);
    menu.type('a-wrong-passkey');
    menu.press('Enter');
    await menu.waitFor(/That is not the passkey this server was set up with; type it again\./, 30_000);
    menu.press('C-u');
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Root password:\s*$/m, 30_000);
    menu.press('Escape');
    await menu.waitFor(/Cancelled\. Back at the menu\./);
    const screen = menu.screen();
    assert.ok(!screen.includes(PASSKEY) && !screen.includes(ROOT_PASSWORD), 'secrets are never echoed');
    await exitMenu(menu);
  });

  test('Start Server: a port in use is found before any question; another port is checked as it is typed', async (tt) => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    tt.after(() => blocker.close());
    const busy = (blocker.address() as net.AddressInfo).port;
    const free = await freePort();
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const menu = menuIn({ PARTY_POOL_DATA_DIR: dataDir, PARTY_POOL_LOG_DIR: path.join(dir, 'logs'), PARTY_POOL_PORT: String(busy), PARTY_POOL_HOST: '127.0.0.1' });
    sessions.push(menu);
    await menu.waitFor(MENU);
    menu.press('Enter');
    const problem = await menu.waitFor(/Which port should the server use\?/);
    assert.match(problem, new RegExp(`Port ${busy} is already in use by another program`));
    assert.doesNotMatch(problem, /Passkey:|--port/);
    menu.press('Enter');
    await menu.waitFor(/Port \(1024-65535\):/);
    menu.type(String(busy));
    menu.press('Enter');
    await menu.waitFor(new RegExp(`> Port ${busy} is already in use`));
    menu.press('C-u');
    menu.type(String(free));
    menu.press('Enter');
    await menu.waitFor(new RegExp(`Using port ${free} for this menu run; to keep it, set PARTY_POOL_PORT=${free}\\.`));
    await menu.waitFor(/Passkey:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Type the passkey again:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Root password:/);
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    await menu.waitFor(/Type the root password again:/);
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    await menu.waitFor(new RegExp(`Listening\\s+127\\.0\\.0\\.1:${free}`));
    menu.press('C-c');
    await menu.waitFor(BACK);
    await exitMenu(menu);
  });

  test('a server already running is offered as a console, not started twice; Login with no server says so before any question', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const menu = menuIn({ PARTY_POOL_DATA_DIR: t.dataDir, PARTY_POOL_LOG_DIR: t.logDir });
    sessions.push(menu);
    await menu.waitFor(MENU);
    menu.press('Enter');
    await menu.waitFor(new RegExp(`A server is already running from ${t.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(process \\d+\\)`));
    await menu.waitFor(/Open its root console/);
    menu.press('Enter');
    // On this machine each secret is checked as it is typed: a typo is asked again, not a failed login.
    await menu.waitFor(/Passkey:/);
    menu.type('a-typo-in-the-passkey');
    menu.press('Enter');
    await menu.waitFor(/That is not this server's passkey; type it again\./, 30_000);
    menu.press('C-u');
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Root password:/, 30_000);
    menu.type('a-typo-in-the-root-password');
    menu.press('Enter');
    await menu.waitFor(/That is not this server's root password; type it again\./, 30_000);
    menu.press('C-u');
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    await menu.waitFor(/root> $/m);
    menu.type('stats');
    menu.press('Enter');
    // Per address: connections, failed auth (0: the typos never reached the server), times banned.
    await menu.waitFor(/│ 127\.0\.0\.1\s+\d+\s+0\s+0\s/);
    menu.type('exit');
    menu.press('Enter');
    await menu.waitFor(BACK);

    // Login as Client with no server running: said at once, no question asked.
    await t.close();
    menu.press('Down', 'Down', 'Down', 'Enter');
    const none = await menu.waitFor(/No server is running from/);
    assert.match(none, /choose Start Server in another terminal window/);
    await menu.waitFor(BACK);
    assert.doesNotMatch(menu.screen().split('No server is running')[1] ?? '', /Passkey:/);
    await exitMenu(menu);
  });

  test('an unusable data directory and a host that is not an address are fixed from the menu; Esc inside an entry comes back', async () => {
    const dir = tempDir();
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const other = path.join(dir, 'other-data');
    const menu = menuIn({ PARTY_POOL_DATA_DIR: path.join(blocker, 'data'), PARTY_POOL_LOG_DIR: path.join(dir, 'logs'), PARTY_POOL_PORT: '0', PARTY_POOL_HOST: '256.1.1.1' });
    sessions.push(menu);
    await menu.waitFor(MENU);
    // Esc at the menu itself does nothing.
    menu.press('Escape');
    menu.press('Enter');
    await menu.waitFor(/Cannot use the data directory .*a file is in the way/);
    await menu.waitFor(/Use another data directory…/);
    menu.press('Enter');
    await menu.waitFor(/Folder for the data directory/);
    menu.type(other);
    menu.press('Enter');
    await menu.waitFor(new RegExp(`Using ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for this menu run`));
    const hostProblem = await menu.waitFor(/Where should the server listen\?/);
    assert.match(hostProblem, /The server cannot listen on "256\.1\.1\.1": 256\.1\.1\.1 is not an IP address/);
    menu.press('Down', 'Enter');
    await menu.waitFor(/Listening on 127\.0\.0\.1 for this menu run/);
    await menu.waitFor(/Passkey:/);
    menu.press('Escape');
    await menu.waitFor(/Cancelled\. Back at the menu\./);
    assert.equal(fs.existsSync(path.join(other, 'auth.json')), false, 'nothing was set up');
    await exitMenu(menu);
  });

  test('Generate asks the passkey first and checks it on the spot; a loopback-only server is warned about; Esc goes back', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const out = tempDir('party-pool-menu-out-');
    const menu = menuIn({ PARTY_POOL_DATA_DIR: t.dataDir, PARTY_POOL_OUT_DIR: out });
    sessions.push(menu);
    await menu.waitFor(MENU);
    menu.press('Down', 'Enter');
    await menu.waitFor(/Passkey \(the server's, to seal the packages with\):/);
    menu.type('not-the-passkey');
    menu.press('Enter');
    await menu.waitFor(/That is not this server's passkey: nobody could open packages sealed with it\./, 30_000);
    menu.press('C-u');
    menu.type(PASSKEY);
    menu.press('Enter');
    const warned = await menu.waitFor(/What should be built\?/, 30_000);
    assert.match(warned, /The server listens on 127\.0\.0\.1 only: programs on other machines cannot connect to it\./);
    menu.press('Enter');
    await menu.waitFor(/For which systems\?/);
    menu.press('Enter');
    const offers = await menu.waitFor(/Which addresses should the programs try/);
    // Only what the server listens on: its loopback address, not the machine's LAN addresses.
    assert.match(offers, new RegExp(`127\\.0\\.0\\.1:${t.port}\\s+\\(this machine only: friends cannot use it\\)`));
    assert.doesNotMatch(offers, /\(LAN: friends on the same network/);
    menu.press('Escape');
    await menu.waitFor(/Cancelled\. Back at the menu\./);

    // A build cancelled with Ctrl-C comes back to the menu too, leaving nothing behind. (An
    // answered question reads "✔ …"; "? …" at the start of a line is the one being asked.)
    menu.press('Down', 'Enter');
    await menu.waitFor(/^\? Passkey \(the server's/m);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/^\? What should be built\?/m, 30_000);
    menu.press('Enter');
    await menu.waitFor(/^\? For which systems\?/m);
    menu.press('Down', 'Down', 'Enter'); // macOS: the zip bundle
    await menu.waitFor(/^\? Which addresses should the programs try/m);
    menu.press('Space', 'Enter');
    await menu.waitFor(/^\? A note to remember who it is for/m);
    menu.press('Enter');
    await menu.waitFor(/^\? Build now\?/m);
    menu.press('Enter');
    await menu.waitFor(/Bundling the program/, 30_000);
    menu.press('C-c');
    await menu.waitFor(/Cancelled\. Back at the menu\.[\s\S]*Cancelled\. Back at the menu\./, 30_000);
    assert.deepEqual(fs.readdirSync(out).filter((name) => name !== '.cache'), [], 'nothing was written');
    assert.equal(new PackageRegistry(t.server.store).list(10).total, 0, 'no package was recorded');
    await exitMenu(menu);
  });
});
