// The interactive client with rooms and accounts, in a real terminal (tmux): the prompt shows the
// current room, other rooms are labelled, /register asks twice at hidden prompts, and a
// registered name is asked for its password at login.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;

describe('interactive rooms (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('the prompt shows the room; /register asks twice, hidden; the next login asks for the password', async (tt) => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    tt.after(() => t.close());
    const args = `client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint} --name alice`;
    const env = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color', PARTY_POOL_PASSKEY: PASSKEY };
    const alice = new TmuxSession(`node ${binPath} ${args}; echo "EXIT=$?"; sleep 60`, env);
    sessions.push(alice);
    await alice.waitFor(/\[#lobby\] alice> /);
    assert.match(alice.screen(), /not registered: \/register protects it/);
    alice.type('/register');
    alice.press('Enter');
    await alice.waitFor(/New password for alice:/);
    alice.type('tmux-secret-pw');
    alice.press('Enter');
    await alice.waitFor(/Type it again:/);
    alice.type('tmux-secret-pw');
    alice.press('Enter');
    await alice.waitFor(/alice is now registered/);
    alice.type('/create #games');
    alice.press('Enter');
    await alice.waitFor(/You are in #games/);
    alice.type('/switch #games');
    alice.press('Enter');
    await alice.waitFor(/\[#games\] alice> /);
    alice.type('hello games');
    alice.press('Enter');
    await alice.waitFor(/\] alice: hello games/);
    const bob = await runMain(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'bob'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'hi from the lobby\n' });
    assert.equal(bob.code, 0, bob.stderr);
    const screen = await alice.waitFor(/\] #lobby bob: hi from the lobby/);
    assert.ok(!screen.includes('tmux-secret-pw'), 'the password never appears on screen');
    alice.type('/exit');
    alice.press('Enter');
    await alice.waitFor(/EXIT=0/);

    // Logging in again as alice: the client asks for the password (hidden), then she is back in #games.
    const again = new TmuxSession(`node ${binPath} ${args}; echo "EXIT=$?"; sleep 60`, env);
    sessions.push(again);
    await again.waitFor(/Password for alice:/);
    again.type('tmux-secret-pw');
    again.press('Enter');
    const back = await again.waitFor(/\[#lobby\] alice> /);
    assert.match(back, /recent messages in #games/);
    assert.match(back, /#games alice: hello games/);
    assert.ok(!back.includes('tmux-secret-pw'));
    again.press('C-c');
    await again.waitFor(/EXIT=130/);
  });
});
