// The menu's Generate Distribution Packages, driven in a terminal (tmux) the way an admin uses it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { openPackagedServer } from '../../src/link/packaged-server.js';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { binPath } from '../helpers/cli.js';
import { PASSKEY, startTestServer, tempDir } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;

describe('menu: Generate Distribution Packages (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('asks the passkey first, then kind, systems, addresses (with a custom host) and a note, and builds with progress', async (tt) => {
    const t = await startTestServer();
    tt.after(() => t.close());
    const out = tempDir('party-pool-menu-dist-');
    const env = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color', PARTY_POOL_DATA_DIR: t.dataDir, PARTY_POOL_OUT_DIR: out };
    const menu = new TmuxSession(`node ${binPath}; echo "EXIT=$?"; sleep 60`, env);
    sessions.push(menu);
    await menu.waitFor(/What would you like to do\?/);
    menu.press('Down', 'Enter');
    await menu.waitFor(/Passkey \(the server's/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/What should be built\?/, 30_000);
    menu.press('Enter'); // Client package
    await menu.waitFor(/For which systems\?/);
    menu.press('Down', 'Down', 'Enter'); // macOS: the zip bundle only, quick to build
    await menu.waitFor(/Which addresses should the programs try/);
    menu.press('Up', 'Space', 'Enter'); // tick the custom host entry (the last one)
    await menu.waitFor(/Host name or address/);
    menu.type('bad host');
    menu.press('Enter');
    await menu.waitFor(/not an address friends can connect to/);
    menu.press('C-u');
    menu.type('127.0.0.1');
    menu.press('Enter');
    await menu.waitFor(/A note to remember who it is for/);
    menu.type('for the menu test');
    menu.press('Enter');
    await menu.waitFor(/Build now\?/);
    menu.press('Enter');
    await menu.waitFor(/Packages built in \d+\.\d s[\s\S]*Back at the menu\./, 60_000);
    menu.press('Up', 'Enter');
    const screen = await menu.waitFor(/EXIT=\d+/, 60_000);
    assert.match(screen, /✔ Bundling the program/);
    assert.match(screen, /✔ client zip bundle PartyPoolClient-v[\d.]+\.zip/);
    assert.match(screen, /Packages built in \d+\.\d s/);
    assert.match(screen, /EXIT=0/);
    assert.ok(!screen.includes(PASSKEY), 'the passkey is never echoed');

    const [record] = new PackageRegistry(t.server.store).list(10).packages;
    assert.equal(record?.note, 'for the menu test');
    assert.deepEqual(record?.platforms, ['macos']);
    const zip = path.join(out, 'client', fs.readdirSync(path.join(out, 'client'))[0] ?? '');
    const sealedText = execFileSync('unzip', ['-p', zip, '*/sealed-server.json']).toString();
    const opened = await openPackagedServer(sealedText, PASSKEY);
    assert.equal(opened.content.addresses.at(-1), `127.0.0.1:${t.port}`);

    // A friend runs the bundle at a terminal: a mistyped passkey may be typed again.
    const unzipped = tempDir('party-pool-menu-unzip-');
    execFileSync('unzip', ['-q', zip, '-d', unzipped]);
    const folder = path.join(unzipped, fs.readdirSync(unzipped)[0] ?? '');
    const friend = new TmuxSession(`cd ${folder} && sh setup.sh; echo "EXIT=$?"; sleep 60`, { NO_COLOR: '1', TERM: 'xterm-256color' });
    sessions.push(friend);
    await friend.waitFor(/Passkey:/);
    friend.type('not-the-passkey');
    friend.press('Enter');
    await friend.waitFor(/Wrong passkey; try again\./);
    friend.type(PASSKEY);
    friend.press('Enter');
    await friend.waitFor(/Your name:/, 30_000);
    friend.type('menufriend');
    friend.press('Enter');
    await friend.waitFor(/Welcome, menufriend!/);
    friend.type('hello from the bundle');
    friend.press('Enter');
    await friend.waitFor(/menufriend: hello from the bundle/);
    friend.type('/exit');
    friend.press('Enter');
    await friend.waitFor(/EXIT=0/);
    fs.rmSync(unzipped, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });
});
