// The interactive paths, driven the way a person uses them: the menu, hidden prompts, the
// chat screen. Needs tmux (.ci/run installs it); skipped only outside CI when it is missing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { PASSKEY, startTestServer, tempDir } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;
const baseEnv = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color' };

/** Run the CLI under tmux and keep the pane open afterwards so the exit status can be read. */
function cli(args: string, env: Record<string, string>): TmuxSession {
  return new TmuxSession(`node ${binPath} ${args}; echo "EXIT=$?"; sleep 60`, { ...baseEnv, ...env });
}

describe('interactive (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('menu: Start Server asks for secrets, shows the status panel, and Ctrl-C stops it and comes back to the menu', async () => {
    const dir = tempDir();
    const env = { PARTY_POOL_DATA_DIR: path.join(dir, 'data'), PARTY_POOL_LOG_DIR: path.join(dir, 'logs'), PARTY_POOL_PORT: '0', PARTY_POOL_HOST: '127.0.0.1' };
    const server = cli('', env);
    sessions.push(server);
    const menu = await server.waitFor(/What would you like to do\?/);
    for (const entry of ['Start Server', 'Generate Distribution Packages', 'Login as Administrator \\(Root\\)', 'Login as Client', 'Start Server with Admin Dashboard', 'Exit']) assert.match(menu, new RegExp(entry));
    server.press('Enter');
    await server.waitFor(/Passkey:/);
    server.type('short');
    server.press('Enter');
    await server.waitFor(/at least 8 characters/);
    server.press('C-u');
    server.type(PASSKEY);
    server.press('Enter');
    await server.waitFor(/Type the passkey again:/);
    server.type(PASSKEY);
    server.press('Enter');
    await server.waitFor(/Root password:/);
    server.type('root-password-for-tmux');
    server.press('Enter');
    await server.waitFor(/Type the root password again:/);
    server.type('root-password-for-tmux');
    server.press('Enter');
    const panel = await server.waitFor(/Live log/);
    assert.match(panel, /│ Listening\s+127\.0\.0\.1:\d+ \(this machine only\)/);
    assert.match(panel, /│ Reachable\s+only from this machine: friends cannot connect\./);
    assert.match(panel, /Fingerprint\s+SHA256:/);
    // The live footer under the log: nobody yet.
    await server.waitFor(/── Users online 0 \/ 25\s*\n── Last events: none yet/);
    assert.ok(!panel.includes(PASSKEY), 'the passkey is never echoed');
    const infoFile = path.join(dir, 'data', 'server.json');
    assert.ok(fs.existsSync(infoFile));

    // Login as Client from a second menu, against the server the first one started.
    const client = cli('', env);
    sessions.push(client);
    await client.waitFor(/What would you like to do\?/);
    client.press('Down', 'Down', 'Down', 'Enter');
    await client.waitFor(/Passkey:/);
    client.type(PASSKEY);
    client.press('Enter');
    await client.waitFor(/Your name:/);
    client.type('root');
    client.press('Enter');
    await client.waitFor(/reserved/);
    client.press('C-u');
    client.type('menuuser');
    client.press('Enter');
    await client.waitFor(/Welcome, menuuser!/);
    client.type('hello from the menu');
    client.press('Enter');
    await client.waitFor(/menuuser: hello from the menu/);
    await server.waitFor(/login conn=\d+ user=menuuser/);
    // The footer follows: one user online, and who came.
    await server.waitFor(/── Users online 1 \/ 25: menuuser\s*\n── Last events: \d\d:\d\d:\d\d menuuser joined/);
    // Ctrl-C in the chat leaves it, back to the menu; Exit ends the program with 0.
    client.press('C-c');
    await client.waitFor(/You left\. Back at the menu\./);
    await server.waitFor(/── Users online 0 \/ 25\s*\n── Last events: \d\d:\d\d:\d\d menuuser left · \d\d:\d\d:\d\d menuuser joined/);
    client.press('Up', 'Enter');
    await client.waitFor(/EXIT=0/);

    server.press('C-c');
    await server.waitFor(/The server has stopped\. Back at the menu\./);
    assert.equal(fs.existsSync(infoFile), false);
    server.press('Up', 'Enter');
    await server.waitFor(/EXIT=0/);
  });

  test('Ctrl-C at the menu exits quietly with 130', async () => {
    const menu = cli('', {});
    sessions.push(menu);
    await menu.waitFor(/What would you like to do\?/);
    menu.press('C-c');
    const screen = await menu.waitFor(/EXIT=130/);
    assert.doesNotMatch(screen, /Error|at .*\.js/);
  });

  test('chat screen: the prompt survives incoming messages; /online shows a box; /exit leaves with 0', async (tt) => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    tt.after(() => t.close());
    const args = `client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint}`;
    const alice = cli(args, {});
    sessions.push(alice);
    await alice.waitFor(/Passkey:/);
    alice.type(PASSKEY);
    alice.press('Enter');
    await alice.waitFor(/Your name:/);
    alice.type('alice');
    alice.press('Enter');
    await alice.waitFor(/alice> /);
    alice.type('half typed');

    const bob = cli(`${args} --name bob`, { PARTY_POOL_PASSKEY: PASSKEY });
    sessions.push(bob);
    await bob.waitFor(/bob> /);
    bob.type('/online');
    bob.press('Enter');
    const bobScreen = await bob.waitFor(/Online \(2\)/);
    assert.match(bobScreen, /╭/);
    const screen = await alice.waitFor(/-->\s+bob joined/);
    assert.match(screen, /alice> half typed/);
    bob.type('hi alice <b>&amp;</b>');
    bob.press('Enter');
    const after = await alice.waitFor(/bob: hi alice <b>&amp;<\/b>/);
    assert.match(after, /alice> half typed\s*$/m);
    alice.press('C-u');
    alice.type('/exit');
    alice.press('Enter');
    await alice.waitFor(/EXIT=0/);
    await bob.waitFor(/<--\s+alice left/);
    bob.press('C-c');
    await bob.waitFor(/EXIT=130/);
  });

  test('the client reconnects with its name after the connection drops', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const client = cli(`client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint} --name stayer`, { PARTY_POOL_PASSKEY: PASSKEY });
    sessions.push(client);
    await client.waitFor(/stayer> /);
    // Cut the connection under the client, as a flaky Wi-Fi would.
    for (const session of t.server.activeSessions()) session.socket.destroy();
    await client.waitFor(/Reconnecting in/);
    await client.waitFor(/Reconnected as stayer/, 30_000);
    assert.deepEqual(t.server.onlineNames(), ['stayer']);
    client.type('back again');
    client.press('Enter');
    await client.waitFor(/stayer: back again/);
    client.press('C-c');
    await client.waitFor(/EXIT=130/);
  });
});
