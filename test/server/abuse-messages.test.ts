// Attack: a logged-in user floods. Chat lines get a burst of 5, then 2 a second; commands their own
// bucket (burst 20, then 5 a second). Over the limit the line is refused with RATE_LIMITED (its
// ref, not delivered to anyone); more than 10 refusals within 10 s disconnects with FLOODING.
// Root sessions are exempt. The server's clock is injected: "a second later" is a variable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { DEFAULT_FLOOD_LIMITS, serverFor, waitUntil } from '../helpers/server.js';

/** Send `count` chat lines at once and collect the one answer each gets. */
async function burst(client: RawClient, prefix: string, count: number): Promise<{ text: string; answer: ServerMessage }[]> {
  const sent = Array.from({ length: count }, (_, i) => {
    const text = `${prefix} ${i}`;
    return { text, id: client.say(text) };
  });
  return Promise.all(sent.map(async ({ text, id }) => ({ text, answer: await client.answer(id) })));
}

function codes(answers: { answer: ServerMessage }[]): string[] {
  return answers.map(({ answer }) => (answer.type === 'error' ? answer.code : answer.type));
}

test('a message flood is limited: a burst of 5, then 2 a second; the rest is refused and never delivered', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, DEFAULT_FLOOD_LIMITS, undefined, { now: () => now });
  try {
    const flooder = await loggedIn(t.port, 'flooder');
    const bystander = await loggedIn(t.port, 'bystander');
    const first = await burst(flooder, 'burst', 8);
    assert.deepEqual(codes(first), ['ack', 'ack', 'ack', 'ack', 'ack', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    now += 1000;
    assert.deepEqual(codes(await burst(flooder, 'a second later', 3)), ['ack', 'ack', 'RATE_LIMITED']);
    // Exactly one answer per request, and the refused lines reached nobody.
    await bystander.waitFor('message', (m) => m.text === 'a second later 1');
    const heard = bystander.received.flatMap((m) => (m.type === 'message' ? [m.text] : []));
    assert.deepEqual(heard, ['burst 0', 'burst 1', 'burst 2', 'burst 3', 'burst 4', 'a second later 0', 'a second later 1']);
    const refs = flooder.received.flatMap((m) => ('ref' in m && m.ref !== undefined ? [m.ref] : []));
    assert.equal(new Set(refs).size, refs.length);
    // Commands have their own bucket: the chat limit does not stop /online.
    assert.equal((await flooder.answer(flooder.command('online'))).type, 'online');
    flooder.destroy();
    bystander.destroy();
  } finally {
    await t.close();
  }
});

test('sustained abuse disconnects: more than 10 refusals within 10 s is FLOODING, and the others keep chatting', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, DEFAULT_FLOOD_LIMITS, undefined, { now: () => now });
  try {
    const flooder = await loggedIn(t.port, 'flooder');
    const bystander = await loggedIn(t.port, 'bystander');
    // 5 accepted, 10 refused: still connected.
    assert.deepEqual(codes(await burst(flooder, 'x', 15)).filter((c) => c === 'RATE_LIMITED').length, 10);
    assert.equal(flooder.closed, false);
    // The refusal count starts again after the window.
    now += 10_000;
    const calm = await burst(flooder, 'y', 15);
    assert.deepEqual(codes(calm).filter((c) => c === 'RATE_LIMITED').length, 10);
    // One more refusal in this window is one too many.
    const last = flooder.say('the straw');
    const answer = await flooder.answer(last);
    assert.deepEqual([answer.type, answer.type === 'error' && answer.code], ['error', 'FLOODING']);
    assert.equal((await flooder.waitFor('bye')).code, 'FLOODING');
    await flooder.gone();
    await bystander.waitFor('presence', (m) => m.event === 'leave' && m.name === 'flooder');
    const other = await loggedIn(t.port, 'other');
    const id = other.say('life goes on');
    assert.equal((await other.answer(id)).type, 'ack');
    await bystander.waitFor('message', (m) => m.text === 'life goes on');
    const root = await rootLoggedIn(t.port);
    const stats = await runOk(root, 'stats');
    assert.ok(stats.lines?.some((l) => l.startsWith('Rate-limited since start: 20 requests') && l.endsWith('1 session disconnected for flooding')), JSON.stringify(stats.lines));
    root.destroy();
    other.destroy();
    bystander.destroy();
  } finally {
    await t.close();
  }
});

test('commands get a burst of 20, then 5 a second; rate-limited commands count toward flooding', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, DEFAULT_FLOOD_LIMITS, undefined, { now: () => now });
  try {
    const busy = await loggedIn(t.port, 'busy');
    const ids = Array.from({ length: 22 }, () => busy.command('ip'));
    const answers = await Promise.all(ids.map((id) => busy.answer(id)));
    assert.deepEqual(
      answers.map((a) => (a.type === 'error' ? a.code : a.type)),
      [...Array<string>(20).fill('ip'), 'RATE_LIMITED', 'RATE_LIMITED'],
    );
    now += 1000;
    const later = await Promise.all(Array.from({ length: 6 }, () => busy.command('ip')).map((id) => busy.answer(id)));
    assert.deepEqual(
      later.map((a) => (a.type === 'error' ? a.code : a.type)),
      ['ip', 'ip', 'ip', 'ip', 'ip', 'RATE_LIMITED'],
    );
    busy.destroy();
  } finally {
    await t.close();
  }
});

test('root sessions are exempt from the message limits', async (tc) => {
  const t = await serverFor(tc, DEFAULT_FLOOD_LIMITS, undefined, { now: () => Date.parse('2026-05-01T09:00:00Z') });
  try {
    const listener = await loggedIn(t.port, 'listener');
    const root = await rootLoggedIn(t.port);
    const ids = Array.from({ length: 40 }, (_, i) => root.command('send', `-all "notice ${i}"`));
    const answers = await Promise.all(ids.map((id) => root.answer(id)));
    assert.ok(answers.every((a) => a.type === 'result'), JSON.stringify(answers.find((a) => a.type !== 'result')));
    await waitUntil(() => listener.received.filter((m) => m.type === 'notice').length === 40, 5000, 'all 40 notices');
    root.destroy();
    listener.destroy();
  } finally {
    await t.close();
  }
});
