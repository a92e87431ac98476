// The chat screen and the root console where people give up otherwise (issue 16, items 5 and
// 11), in a real terminal: a server that is not there yet is waited for; lines typed while
// reconnecting are sent once it is back; a password typed after /register leaves the screen and
// the line history; /password checks the current one first; /join moves you into the room; a
// root's own close-server ends the console instead of a reconnect.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;
const baseEnv = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color' };

function cli(args: string, env: Record<string, string>): TmuxSession {
  return new TmuxSession(`node ${binPath} ${args}; echo "EXIT=$?"; sleep 60`, { ...baseEnv, ...env });
}

describe('chat screen and root console (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  const servers: TestServer[] = [];
  after(async () => {
    sessions.forEach((s) => s.kill());
    await Promise.all(servers.map((s) => s.close()));
  });

  test('a first connection waits for the server like a lost one; lines typed while reconnecting are sent once it is back', async () => {
    // The server's identity and port, known before it runs: start it once, stop it.
    const base = tempDir();
    const first = await startTestServer({}, base);
    const { port, fingerprint } = first;
    await first.close();
    const target = `client --server 127.0.0.1:${port} --fingerprint ${fingerprint} --name waiter`;
    const client = cli(target, { PARTY_POOL_PASSKEY: PASSKEY });
    sessions.push(client);
    await client.waitFor(new RegExp(`The server at 127\\.0\\.0\\.1:${port} is not answering\\. Is it running\\? Retrying in [\\d.]+ s — Ctrl-C to stop\\.`));
    const quitter = cli(target.replace('waiter', 'quitter'), { PARTY_POOL_PASSKEY: PASSKEY });
    sessions.push(quitter);
    await quitter.waitFor(/Retrying in/);
    quitter.press('C-c');
    await quitter.waitFor(/EXIT=130/);

    const again = await startTestServer({ port }, base);
    servers.push(again);
    await client.waitFor(/Welcome, waiter!/, 40_000);
    await client.waitFor(/waiter> $/m);

    await again.close();
    await client.waitFor(/Reconnecting in/);
    client.type('typed while away');
    client.press('Enter');
    await client.waitFor(/\(waiting to send: 1 line\)/);
    const back = await startTestServer({ port }, base);
    servers.push(back);
    await client.waitFor(/Reconnected as waiter\. Sending the line typed meanwhile\./, 40_000);
    await client.waitFor(/\] waiter: typed while away/);
    client.press('C-c');
    await client.waitFor(/EXIT=130/);
  });

  test('/register with the password on the line takes it off the screen and out of the history; /password checks the current one first; /join switches', async () => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    servers.push(t);
    const owner = cli(`client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint} --name rita`, { PARTY_POOL_PASSKEY: PASSKEY });
    sessions.push(owner);
    await owner.waitFor(/rita> $/m);
    owner.type('/register plain-sight-secret');
    owner.press('Enter');
    await owner.waitFor(/rita is now registered/);
    assert.ok(!owner.screen().includes('plain-sight-secret'), 'the password is gone from the screen');
    assert.match(owner.screen(), /\/register \*+ \(the password was taken off the screen and out of the line history\)/);
    owner.press('Up');
    const recalled = await owner.waitFor(/rita> .*$/m);
    assert.ok(!recalled.includes('plain-sight-secret'), 'and from the line history');
    owner.press('C-u');

    owner.type('/password');
    owner.press('Enter');
    await owner.waitFor(/Current password:/);
    owner.type('not-the-current-one');
    owner.press('Enter');
    await owner.waitFor(/The current password is wrong\./);
    await owner.waitFor(/rita> $/m);
    assert.doesNotMatch(owner.screen(), /New password:/, 'no new password is asked for after a wrong current one');

    owner.type('/create #den');
    owner.press('Enter');
    await owner.waitFor(/\[#den\] rita> $/m);
    owner.type('/join #lobby');
    owner.press('Enter');
    await owner.waitFor(/You are already in #lobby\./);
    await owner.waitFor(/\[#lobby\] rita> $/m);
    owner.type('/exit');
    owner.press('Enter');
    await owner.waitFor(/EXIT=0/);
  });

  test("a root console does not reconnect after its own close-server: it ends with 0", async () => {
    const t = await startTestServer();
    servers.push(t);
    const root = cli(`root --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint}`, { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD });
    sessions.push(root);
    await root.waitFor(/root> $/m);
    root.type('close-server');
    root.press('Enter');
    const screen = await root.waitFor(/EXIT=\d+/, 20_000);
    assert.match(screen, /EXIT=0/);
    assert.doesNotMatch(screen, /Reconnecting/);
    await t.server.stopped;
  });
});
