// The menu's "Login as Administrator (Root)" driven in a real terminal: hidden prompts, the
// root> prompt, boxed answers, live events, and exit.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { loggedIn } from '../helpers/raw-client.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;

describe('root console (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('menu: Login as Administrator asks for both secrets, runs commands, shows events, and exit leaves with 0', async (tt) => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    tt.after(() => t.close());
    const env = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color', PARTY_POOL_DATA_DIR: t.dataDir };
    const menu = new TmuxSession(`node ${binPath}; echo "EXIT=$?"; sleep 60`, env);
    sessions.push(menu);
    await menu.waitFor(/What would you like to do\?/);
    menu.press('Down', 'Down');
    await menu.waitFor(/❯ Login as Administrator \(Root\)/);
    menu.press('Enter');
    await menu.waitFor(/Passkey:/);
    menu.type(PASSKEY);
    menu.press('Enter');
    await menu.waitFor(/Root password:/);
    menu.type(ROOT_PASSWORD);
    menu.press('Enter');
    const welcome = await menu.waitFor(/root> $/m);
    assert.match(welcome, /Logged in as root#\d+/);
    assert.ok(!welcome.includes(PASSKEY) && !welcome.includes(ROOT_PASSWORD), 'secrets are never echoed');

    const user = await loggedIn(t.port, 'joiner');
    await menu.waitFor(/-->\s+joiner joined/);
    menu.type('list-conn');
    menu.press('Enter');
    const table = await menu.waitFor(/╭─* Connections/);
    assert.match(table, /│\s*joiner\s+user\s+127\.0\.0\.1/);
    menu.type('remove -u nobody');
    menu.press('Enter');
    const refusal = await menu.waitFor(/! Nobody named "nobody" is connected\./);
    assert.doesNotMatch(refusal, /\[NOT_CONNECTED\]/);
    menu.type('send -all "Welcome aboard"');
    menu.press('Enter');
    await user.waitFor('notice', (n) => n.from === 'root' && n.text === 'Welcome aboard');
    await menu.waitFor(/Root notice delivered to 1 session\./);
    menu.type('exit');
    menu.press('Enter');
    // Leaving the console comes back to the menu; Exit there ends the program.
    await menu.waitFor(/Back at the menu\.\s*\n.*What would you like to do\?/);
    menu.press('Up', 'Enter');
    await menu.waitFor(/EXIT=0/);
    user.destroy();
  });
});
