// The timed shutdown: countdown notices everyone sees, no new logins meanwhile, a final message,
// data flushed, server.json gone; and cancelling it. Timers are driven by hand.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { ManualTimers, rootLoggedIn, runError, runOk } from '../helpers/root.js';
import { serverFor, within } from '../helpers/server.js';

test('close-server -t 30 -m: countdown at start, 10 s and the last 5 s, logins refused, then a clean stop', async (tc) => {
  const timers = new ManualTimers();
  const t = await serverFor(tc, { maxSessionsPerAddress: 100 }, undefined, { timers });
  const root = await rootLoggedIn(t.port);
  const user = await loggedIn(t.port, 'watcher');
  const reply = await runOk(root, 'close-server', '-t 30 -m "Maintenance, back at 10"');
  assert.match(reply.lines?.[0] ?? '', /30s/);
  const texts = (): string[] => user.received.flatMap((m) => (m.type === 'notice' && m.from === 'server' ? [m.text] : []));
  await user.waitFor('notice', (n) => /30s/.test(n.text));
  assert.deepEqual(texts(), ['The server shuts down in 30s: Maintenance, back at 10']);
  // The countdown asks for: 30 -> 10 (20 s), then 10 -> 5, then one second at a time.
  assert.deepEqual(timers.requested, [20_000]);

  // Meanwhile new users are turned away; a root may still log in (to cancel, say).
  const late = await RawClient.connect(t.port);
  late.send(await late.authMessage('latecomer'));
  const refused = await late.waitFor('error');
  assert.equal(refused.code, 'SERVER_SHUTTING_DOWN');
  assert.match(refused.message, /30s/);
  const otherRoot = await rootLoggedIn(t.port);
  const stats = await runOk(otherRoot, 'stats');
  assert.match(stats.lines?.join('\n') ?? '', /Shutdown: scheduled in 30s by root#\d+/);

  for (const left of [10, 5, 4, 3, 2, 1]) {
    timers.fireNext();
    await user.waitFor('notice', (n) => n.text.startsWith(`The server shuts down in ${left}s:`));
  }
  assert.deepEqual(timers.requested, [20_000, 5_000, 1_000, 1_000, 1_000, 1_000, 1_000]);
  timers.fireNext();
  const final = await user.waitFor('notice', (n) => n.text === 'Maintenance, back at 10');
  assert.equal(final.from, 'server');
  const bye = await user.waitFor('bye');
  assert.deepEqual([bye.code, bye.message], ['SHUTDOWN', 'Maintenance, back at 10']);
  assert.equal((await root.waitFor('bye')).code, 'SHUTDOWN');
  await Promise.all([user.gone(), root.gone(), otherRoot.gone()]);
  await within(t.server.stopped, 10_000, 'the server to stop');
  assert.equal(fs.existsSync(path.join(t.dataDir, 'server.json')), false);
  const statsFile = path.join(t.dataDir, 'stats.json');
  assert.equal(fs.statSync(statsFile).mode & 0o777, 0o600);
  const written = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as Record<string, unknown>;
  assert.equal(written.totalVisits, 1);
  assert.equal(written.sessionsNow, 0);
});

test('cancel-shutdown stops the countdown and tells everyone; logins work again', async (tc) => {
  const timers = new ManualTimers();
  const t = await serverFor(tc, { maxSessionsPerAddress: 100 }, undefined, { timers });
  try {
    const root = await rootLoggedIn(t.port);
    const user = await loggedIn(t.port, 'hopeful');
    assert.equal(await runError(root, 'cancel-shutdown'), 'NO_SHUTDOWN_PENDING');
    await runOk(root, 'close-server', '-t 60');
    await user.waitFor('notice', (n) => n.text === 'The server shuts down in 1m.');
    // A second close-server replaces the first countdown.
    const replaced = await runOk(root, 'close-server', '-m "Soon" -t 20');
    assert.match(replaced.lines?.join(' ') ?? '', /replaces/);
    await user.waitFor('notice', (n) => n.text === 'The server shuts down in 20s: Soon');
    assert.equal(timers.size, 1);
    await runOk(root, 'cancel-shutdown');
    const cancelled = await user.waitFor('notice', (n) => /cancelled/.test(n.text));
    assert.equal(cancelled.from, 'server');
    assert.equal(timers.size, 0);
    assert.equal(await runError(root, 'cancel-shutdown'), 'NO_SHUTDOWN_PENDING');
    const after = await loggedIn(t.port, 'welcome-again');
    after.destroy();
    for (const bad of ['-t', '-t abc', '-t -5', '-t 86401', '-t 5 -t 6', '-m', '-x', 'now', '-t 5 extra']) assert.equal(await runError(root, 'close-server', bad), 'INVALID_ARGUMENT', bad);
    assert.equal(await runError(root, 'close-server', `-m "${'y'.repeat(2001)}"`), 'TEXT_TOO_LONG');
    assert.equal(await runError(root, 'cancel-shutdown', 'please'), 'TOO_MANY_ARGUMENTS');
    assert.equal(user.closed, false);
    root.destroy();
    user.destroy();
  } finally {
    await t.close();
  }
});

test('close-server with no countdown: the root gets its answer, everyone gets the message and the server stops', async (tc) => {
  const t = await serverFor(tc);
  const root = await rootLoggedIn(t.port);
  const user = await loggedIn(t.port, 'lastone');
  const id = root.command('close-server');
  const answer = await root.answer(id);
  assert.equal(answer.type, 'result');
  const rootBye = await root.waitFor('bye');
  assert.equal(rootBye.code, 'SHUTDOWN');
  assert.ok(root.received.indexOf(answer) < root.received.indexOf(rootBye), 'the answer comes before the goodbye');
  const notice = await user.waitFor('notice');
  assert.deepEqual([notice.from, notice.text], ['server', 'The server is shutting down.']);
  assert.equal((await user.waitFor('bye')).code, 'SHUTDOWN');
  await within(t.server.stopped, 10_000, 'the server to stop');
  assert.equal(fs.existsSync(path.join(t.dataDir, 'server.json')), false);
  assert.ok(fs.existsSync(path.join(t.dataDir, 'stats.json')));
});
