// /msg and /verify on the real chat screen, driven under tmux the way a person types them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { PASSKEY, startTestServer, tempDir } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;

describe('direct messages on the chat screen (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('/msg shows "alice → you" on the other screen; /verify shows the same safety number on both; confirm marks it', async (tt) => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    tt.after(() => t.close());
    const profiles = tempDir('party-pool-tmux-profiles-');
    const start = (name: string): TmuxSession => {
      const args = `client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint} --name ${name} --profile-dir ${path.join(profiles, name)}`;
      const session = new TmuxSession(`node ${binPath} ${args}; echo "EXIT=$?"; sleep 60`, { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color', PARTY_POOL_PASSKEY: PASSKEY });
      sessions.push(session);
      return session;
    };
    const alice = start('alice');
    const bob = start('bob');
    await alice.waitFor(/alice> /);
    await bob.waitFor(/bob> /);
    alice.type('/msg bob the cake is in the fridge');
    alice.press('Enter');
    await alice.waitFor(/\[\d\d:\d\d\] you → bob: the cake is in the fridge/);
    await bob.waitFor(/\[\d\d:\d\d\] alice → you: the cake is in the fridge/);
    bob.type('/msg alice thanks!');
    bob.press('Enter');
    await alice.waitFor(/bob → you: thanks!/);
    alice.type('/msg');
    alice.press('Enter');
    await alice.waitFor(/bob\s+2 messages/);

    const digits = /((?:\d{5} ){3}\d{5})\s*│?\s*\n\s*│?\s*((?:\d{5} ){3}\d{5})\s*│?\s*\n\s*│?\s*((?:\d{5} ){3}\d{5})/;
    bob.type('/verify alice');
    bob.press('Enter');
    const bobScreen = await bob.waitFor(/type \/verify alice confirm/);
    alice.type('/verify bob');
    alice.press('Enter');
    const aliceScreen = await alice.waitFor(/type \/verify bob confirm/);
    const bobNumber = digits.exec(bobScreen)?.slice(1).join(' ');
    const aliceNumber = digits.exec(aliceScreen)?.slice(1).join(' ');
    assert.ok(bobNumber && /^(\d{5} ){11}\d{5}$/.test(bobNumber), bobScreen);
    assert.equal(aliceNumber, bobNumber, 'the same 60 digits on both screens');
    alice.type('/verify bob confirm');
    alice.press('Enter');
    await alice.waitFor(/bob is now verified/);
    for (const session of [alice, bob]) {
      session.type('/exit');
      session.press('Enter');
      await session.waitFor(/EXIT=0/);
    }
  });
});
