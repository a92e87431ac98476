// /send and /get on the interactive chat screen, in a real terminal (tmux): a progress bar above
// the prompt while the file moves, the shared-file line everyone sees, and the saved-and-checked
// line at the end; the prompt and what was typed stay intact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { binPath } from '../helpers/cli.js';
import { makeFile } from '../helpers/files.js';
import { PASSKEY, startTestServer, tempDir } from '../helpers/server.js';
import { TmuxSession, hasTmux } from '../helpers/tmux.js';

const skip = !hasTmux() && !process.env.CI ? 'tmux is not installed' : false;

/** Poll the screen until `done` matches, remembering every screen that matched `watch`. */
async function watchScreen(session: TmuxSession, watch: RegExp, done: RegExp, timeoutMs = 60_000): Promise<{ seen: string[]; final: string }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = session.screen();
    for (const line of screen.split('\n')) if (watch.test(line) && !seen.includes(line)) seen.push(line);
    if (done.test(screen)) return { seen, final: screen };
    if (Date.now() > deadline) throw new Error(`screen never matched ${String(done)}:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

describe('files on the chat screen (tmux)', { skip }, () => {
  const sessions: TmuxSession[] = [];
  after(() => sessions.forEach((s) => s.kill()));

  test('/send shows a progress bar, then the shared line; /get shows one, then the saved, checked file', async (tt) => {
    const t = await startTestServer({ maxSessionsPerAddress: 100 });
    tt.after(() => t.close());
    const source = makeFile(tempDir(), 'big.bin', 50_000_000);
    const into = tempDir();
    const env = { NO_COLOR: '1', PARTY_POOL_PUBLIC_IP_URL: '', TERM: 'xterm-256color', PARTY_POOL_PASSKEY: PASSKEY };
    const alice = new TmuxSession(`node ${binPath} client --server 127.0.0.1:${t.port} --fingerprint ${t.fingerprint} --name alice; sleep 60`, env);
    sessions.push(alice);
    await alice.waitFor(/\[#lobby\] alice> /);

    alice.type(`/send ${source.path}`);
    alice.press('Enter');
    const upload = await watchScreen(alice, /↑ big\.bin\s+\[[█░]+\]\s+\d+%/, /Sent big\.bin \(50\.0 MB\) in .* MB\/s\./);
    assert.ok(upload.seen.length > 0, 'a progress bar was on screen');
    assert.ok(upload.seen.every((line) => /\d+% {2}\d/.test(line)), upload.seen.join('\n'));
    assert.match(upload.final, /alice shared big\.bin \(50\.0 MB\) — \/get (\d+)/);
    assert.match(upload.final, /\[#lobby\] alice> \/send .*big\.bin/, 'the typed line stays in the scrollback');
    const id = /— \/get (\d+)/.exec(upload.final)?.[1];
    assert.ok(id);

    alice.type(`/get ${id} ${into}`);
    alice.press('Enter');
    const download = await watchScreen(alice, /↓ big\.bin\s+\[[█░]+\]\s+\d+%/, /Saved big\.bin \(50\.0 MB\) to .* checked\./);
    assert.ok(download.seen.length > 0, 'a progress bar was on screen');
    assert.ok([...upload.seen, ...download.seen].some((line) => /MB\/s/.test(line)), 'the bar shows the speed');
    assert.deepEqual(fs.readdirSync(into), ['big.bin']);
    assert.equal(fs.statSync(path.join(into, 'big.bin')).size, source.bytes.length);
    // The bars go away; the prompt is back and still works.
    await alice.waitFor(/alice> $/m);
    alice.type('/files');
    alice.press('Enter');
    await alice.waitFor(/Files: #lobby \(1\)/);
    alice.type('/exit');
    alice.press('Enter');
  });
});
