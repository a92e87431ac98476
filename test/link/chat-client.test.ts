// The reconnecting ChatClient: after a forced disconnect it resumes every room exactly where
// it stopped (no gap, no duplicate), keeps its password for the new login, and follows
// /switch, /nick and removals from rooms.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { clientStartLogin } from '../../src/crypto/opaque.js';
import { ChatClient } from '../../src/link/chat-client.js';
import { KeyCache } from '../../src/link/login.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { PASSKEY, TEST_STRETCHING, startTestServer, waitUntil, type TestServer } from '../helpers/server.js';

/** Clients a test opened, closed after it whether it passed or failed. */
const toClose: (() => void)[] = [];

function makeClient(t: TestServer, name: string, options: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient {
  const client = new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port: t.port }], fingerprints: [t.fingerprint] },
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: true,
    random: () => 1,
    ...options,
  });
  toClose.push(() => client.stop());
  return client;
}

async function rawV2(t: TestServer, name: string): Promise<RawClient> {
  const client = await loggedInV2(t.port, name);
  toClose.push(() => client.destroy());
  return client;
}

/** Every chat message a ChatClient passed on (live or from history), as "room:id:text". */
function collect(client: ChatClient): string[] {
  const seen: string[] = [];
  client.on('message', (m: ServerMessage) => {
    if (m.type === 'message' && m.room !== undefined) seen.push(`${m.room}:${m.id}:${m.text}`);
    if (m.type === 'history') seen.push(...m.messages.map((s) => `${m.room}:${s.id}:${s.text}`));
  });
  return seen;
}

async function sayAll(client: RawClient, texts: string[], room?: string): Promise<void> {
  const ids = texts.map((text) => {
    const id = Math.floor(Math.random() * 1e9);
    client.send({ type: 'say', id, text, ...(room ? { room } : {}) });
    return id;
  });
  for (const id of ids) await client.answer(id);
}

describe('ChatClient', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());
  afterEach(() => {
    for (const close of toClose.splice(0)) close();
  });

  test('resumes after a forced disconnect: exactly the missed messages, with the password kept', async () => {
    const talker = await rawV2(t, 'talker');
    await talker.registerAccount('talker-password');
    await talker.answer(talker.command('create', '#games'));
    await sayAll(talker, ['before login']);

    // The reconnect waits until the test has sent what alice misses: no race with a timer.
    let releaseReconnect = (): void => undefined;
    const reconnectSleep = (): Promise<void> => new Promise((resolve) => (releaseReconnect = resolve));
    const alice = makeClient(t, 'alice', { reconnectSleep });
    const seen = collect(alice);
    await alice.start();
    await alice.command('join', '#games');
    await alice.register('alice-password');
    await waitUntil(() => alice.rooms.registered, 5000, 'registered');
    const talkerMark = talker.received.length;
    await sayAll(talker, ['lobby 1']);
    await sayAll(talker, ['games 1'], '#games');
    await waitUntil(() => seen.some((line) => line.endsWith(':games 1')));

    const disconnected = new Promise((resolve) => alice.once('disconnected', resolve));
    const reconnected = new Promise((resolve) => alice.once('reconnected', resolve));
    t.server.sessionFor('alice')?.socket.destroy();
    await disconnected;
    await waitUntil(() => !t.server.onlineNames().includes('alice'));
    await sayAll(
      talker,
      Array.from({ length: 10 }, (_, i) => `lobby away ${i}`),
    );
    await sayAll(
      talker,
      Array.from({ length: 10 }, (_, i) => `games away ${i}`),
      '#games',
    );
    releaseReconnect();
    await reconnected;
    await sayAll(talker, ['lobby after']);
    await waitUntil(() => seen.some((line) => line.endsWith(':lobby after')), 10_000, 'the message after the reconnect');

    const expected = talker.received.slice(talkerMark).flatMap((m) => (m.type === 'message' ? [`${m.room}:${m.id}:${m.text}`] : []));
    const since = seen.slice(seen.findIndex((line) => line.endsWith(':lobby 1')));
    assert.deepEqual(since, expected);
    assert.equal(new Set(seen).size, seen.length, 'nothing twice');
    // It logged in again as a registered name: the password was kept in memory.
    assert.ok(alice.rooms.registered);
    assert.equal(alice.rooms.lastId('#games'), Number(expected.filter((l) => l.startsWith('#games')).at(-1)?.split(':')[1]));
    alice.stop();
    talker.destroy();
    await waitUntil(() => t.server.onlineNames().length === 0);
  });

  test('/switch takes effect for the next line at once; a refused switch goes back', async () => {
    const owner = await rawV2(t, 'owner');
    await owner.registerAccount('owner-password');
    await owner.answer(owner.command('create', '#den'));
    const bob = makeClient(t, 'bob', { reconnect: false });
    const seen = collect(bob);
    await bob.start();
    const statusChanges: string[] = [];
    bob.on('status', () => statusChanges.push(bob.rooms.current));
    // Sent back to back, without waiting: join, switch, then a plain line.
    const answers = [bob.command('join', '#den'), bob.command('switch', '#den'), bob.say('in the den'), bob.command('switch', '#nowhere'), bob.say('refused room')];
    await Promise.all(answers);
    await waitUntil(() => seen.some((line) => line.startsWith('#den:') && line.endsWith(':in the den')));
    assert.equal(bob.rooms.current, '#den');
    assert.ok(statusChanges.includes('#nowhere'));
    assert.ok(!seen.some((line) => line.endsWith('refused room')), 'a line for a room that does not exist goes nowhere');
    // /history shows the current room's newest messages again; /history more pages back from there.
    const older: ServerMessage[] = [];
    bob.on('message', (m) => m.type === 'history' && older.push(m));
    await bob.command('history', '1');
    await bob.command('history', 'more 1');
    assert.deepEqual(
      older.map((m) => m.type === 'history' && [m.room, m.reason, m.messages.map((stored) => stored.text), m.more]),
      [
        ['#den', 'older', ['in the den'], false],
        ['#den', 'older', [], false],
      ],
    );
    bob.stop();
    owner.destroy();
    await waitUntil(() => t.server.onlineNames().length === 0);
  });

  test('/nick renames the client; being removed from the current room moves it to #lobby', async () => {
    const owner = await rawV2(t, 'boss');
    await owner.registerAccount('boss-password');
    await owner.answer(owner.command('create', '#temp'));
    const carl = makeClient(t, 'carl', { reconnect: false });
    await carl.start();
    await carl.command('join', '#temp');
    await carl.command('switch', '#temp');
    assert.equal(carl.rooms.current, '#temp');
    await carl.command('nick', 'carlos');
    await waitUntil(() => carl.name === 'carlos');
    await owner.answer(owner.command('kick', '#temp carlos'));
    await waitUntil(() => carl.rooms.current === '#lobby', 5000, 'back in #lobby');
    assert.equal(carl.rooms.lastId('#temp'), undefined);
    carl.stop();
    owner.destroy();
  });

  test('a person slower than the login timeout can still type a password: the client asks offline, then logs in again', async (tt) => {
    // A short login window (the server's auth timeout): the passkey's key is derived before it
    // opens, so the window only has to hold a round trip and a password hash, and a "person"
    // slower than it costs the test a few seconds, not the default ten (3 s: room for a loaded machine).
    const authTimeoutMs = 3000;
    const slow = await startTestServer({ authTimeoutMs, requireRegistration: true });
    tt.after(() => slow.close());
    const keyCache = new KeyCache();
    const probe = await RawClient.connect(slow.port);
    tt.after(() => probe.destroy());
    await keyCache.derive(PASSKEY, (await probe.hello()).kdf);
    // Likewise the OPAQUE library is compiled before (about a second in a fresh process), and the
    // new record is stretched cheaply (the genuine default takes 64 MiB and a few tenths of a second).
    await clientStartLogin('warm-up');
    const cheap = { stretchingFloor: TEST_STRETCHING };
    const asked: string[] = [];
    const answer = (password: string, register?: boolean) => async (name: string, refusal: { serverCode: string }) => {
      asked.push(`${name}:${refusal.serverCode}`);
      // The person answers after the login window has closed.
      await new Promise((resolve) => setTimeout(resolve, authTimeoutMs + 100));
      return { password, ...(register ? { register } : {}) };
    };
    const first = makeClient(slow, 'slowpoke', { reconnect: false, keyCache, ...cheap, account: { ask: answer('slowpoke-password', true) } });
    await first.start();
    assert.deepEqual(asked, ['slowpoke:REGISTRATION_REQUIRED']);
    first.stop();
    await waitUntil(() => slow.server.onlineNames().length === 0);
    const again = makeClient(slow, 'slowpoke', { reconnect: false, keyCache, ...cheap, account: { ask: answer('slowpoke-password') } });
    await again.start();
    assert.deepEqual(asked, ['slowpoke:REGISTRATION_REQUIRED', 'slowpoke:PASSWORD_REQUIRED']);
    again.stop();
    await waitUntil(() => slow.server.onlineNames().length === 0);
    const wrong = makeClient(slow, 'slowpoke', { reconnect: false, keyCache, ...cheap, account: { ask: answer('not-the-password') } });
    await assert.rejects(wrong.start(), (error: unknown) => error instanceof Error && 'code' in error && error.code === 'PASSWORD_WRONG');
  });
});
