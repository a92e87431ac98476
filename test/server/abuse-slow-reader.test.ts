// Attack: a client that logs in and then stops reading while the room is busy. The server keeps at
// most maxUnsentBytes of output for it (here the smallest allowed, 64 KiB), then disconnects it
// with SLOW_READER; its memory for that session never grows past the cap, and everyone else
// carries on. The server runs in this process, so its sessions can be looked at directly.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loggedIn } from '../helpers/raw-client.js';
import { serverFor, waitUntil } from '../helpers/server.js';
import { MAX_TICK_OUTPUT_FACTOR } from '../../src/server/session/outbox.js';

const CAP = 64 * 1024;

test('a client that stops reading is cut off at the output cap while the server stays bounded', async (tc) => {
  const t = await serverFor(tc, { maxUnsentBytes: CAP, historyEnabled: false, maxSessionsPerAddress: 10 });
  let sampler: NodeJS.Timeout | undefined;
  try {
    const reader = await loggedIn(t.port, 'reader');
    const talker = await loggedIn(t.port, 'talker');
    const listener = await loggedIn(t.port, 'listener');
    // Stop reading: the kernel buffers fill, then the server's own queue for this session.
    reader.socket.pause();
    const session = t.server.sessionFor('reader');
    assert.ok(session);
    let largestUnsent = 0;
    const sample = (): void => {
      largestUnsent = Math.max(largestUnsent, session.unsentBytes);
    };
    sampler = setInterval(sample, 1);
    // 2000 four-byte characters: 8 KB frames, so the kernel's buffers fill after a few hundred.
    const text = '🎈'.repeat(2000);
    let sent = 0;
    let inFlight = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (session.state === 'closed') return resolve();
        if (sent > 20_000) return reject(new Error('the reader was never cut off'));
        // Two at a time: lines sent together are committed and fanned out in one tick, and what
        // one tick queues for a session counts against the cap too, readers that keep up included.
        while (inFlight < 2) {
          inFlight++;
          sent++;
          void talker.answer(talker.say(text), 30_000).then(() => {
            inFlight--;
            sample();
            pump();
          }, reject);
        }
      };
      pump();
    });
    clearInterval(sampler);
    // Unsent output from earlier turns never passes the cap; one turn may queue a bounded burst on top.
    const bound = CAP * (1 + MAX_TICK_OUTPUT_FACTOR);
    assert.ok(largestUnsent <= bound, `the session held ${largestUnsent} unsent bytes, over the ${bound} bound`);
    await waitUntil(() => t.server.sessionFor('reader') === undefined, 5000, 'the reader to be gone');
    await listener.waitFor('presence', (m) => m.event === 'leave' && m.name === 'reader');
    await waitUntil(() => fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8').includes('reason=SLOW_READER'), 5000, 'the log to record SLOW_READER');
    // Everyone else is fine.
    const id = talker.say('after the cut');
    assert.equal((await talker.answer(id)).type, 'ack');
    await listener.waitFor('message', (m) => m.text === 'after the cut');
    reader.destroy();
    talker.destroy();
    listener.destroy();
  } finally {
    clearInterval(sampler);
    await t.close();
  }
});
