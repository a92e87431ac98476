// Root commands over real TLS: what the root sees, what the victim sees, what bystanders see,
// and every error path. Second addresses come from 127.0.0.2 (all of 127/8 is loopback on Linux).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeFrame } from '../../src/protocol/frame.js';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { rootLoggedIn, run, runError, runOk } from '../helpers/root.js';
import { everyoneGone, serverFor, startTestServer, type TestServer, waitUntil } from '../helpers/server.js';

const OTHER = '127.0.0.2';

describe('root: access', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());

  test('help and list show the root commands; a user cannot call any of them', async () => {
    const root = await rootLoggedIn(t.port);
    const user = await loggedIn(t.port, 'plainuser');
    for (const name of ['help', 'list']) {
      const answer = await run(root, name);
      assert.equal(answer.type, 'help');
      const names = answer.type === 'help' ? answer.commands.map((c) => c.usage.split(' ')[0]) : [];
      for (const expected of ['list', 'help', 'list-conn', 'remove', 'send', 'close-server', 'cancel-shutdown', 'ban', 'unban', 'bans', 'requests', 'stats', 'exit']) assert.ok(names.includes(expected), `${name} lists ${expected}`);
      assert.ok(!names.includes('/online'), 'user commands are not root commands');
    }
    for (const [name, args] of [
      ['list-conn', ''],
      ['remove', '-u root'],
      ['send', '-all "I am root now"'],
      ['ban', '-ip 10.0.0.1'],
      ['close-server', ''],
      ['stats', ''],
      ['requests', ''],
    ] as const) {
      assert.equal(await runError(user, name, args), 'UNKNOWN_COMMAND', name);
    }
    const userHelp = await run(user, 'help');
    assert.deepEqual(userHelp.type === 'help' && userHelp.commands.map((c) => c.usage.split(' ')[0]), ['/help', '/online', '/ip', '/request', '/exit']);
    // Root sessions have no chat and no user commands.
    assert.equal(await runError(root, 'online'), 'UNKNOWN_COMMAND');
    assert.equal((await root.answer(root.say('hello'))).type, 'error');
    assert.equal(await runError(root, 'frobnicate'), 'UNKNOWN_COMMAND');
    assert.equal(await runError(root, 'help', 'me'), 'TOO_MANY_ARGUMENTS');
    assert.equal(await runError(root, 'send', '-all "a" | rm -rf /'), 'BAD_MESSAGE');
    root.destroy();
    user.destroy();
    await everyoneGone(t);
  });

  test('root sessions are not online, and do not count toward the user and per-address limits', async (tc) => {
    const small = await serverFor(tc, { maxClients: 1, maxSessionsPerAddress: 1 });
    try {
      const user = await loggedIn(small.port, 'onlyone');
      const rootA = await rootLoggedIn(small.port);
      const rootB = await rootLoggedIn(small.port);
      const online = await user.answer(user.command('online'));
      assert.deepEqual(online.type === 'online' && online.users, ['onlyone']);
      const conn = await runOk(rootA, 'list-conn');
      assert.equal(conn.rows?.length, 3);
      rootA.destroy();
      rootB.destroy();
      user.destroy();
    } finally {
      await small.close();
    }
  });
});

describe('root: connections and kicks', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());

  test('list-conn shows name, address, since and idle; -ip and -u narrow it; bad options are errors', async () => {
    const root = await rootLoggedIn(t.port);
    const ann = await loggedIn(t.port, 'ann');
    const ben = await loggedIn(t.port, 'ben', OTHER);
    const all = await runOk(root, 'list-conn');
    assert.deepEqual(all.columns, ['name', 'role', 'address', 'connected since', 'idle']);
    const rows = all.rows ?? [];
    assert.deepEqual(rows.find((r) => r[0] === 'ben')?.slice(0, 3), ['ben', 'user', OTHER]);
    assert.deepEqual(rows.find((r) => r[0] === 'ann')?.slice(0, 3), ['ann', 'user', '127.0.0.1']);
    assert.ok(rows.some((r) => r[1] === 'root' && r[0]?.startsWith('root#')));
    assert.match(rows.find((r) => r[0] === 'ann')?.[3] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.match(rows.find((r) => r[0] === 'ann')?.[4] ?? '', /^\d+[smhd]/);
    const byAddress = await runOk(root, 'list-conn', '-ip');
    assert.deepEqual(byAddress.columns, ['address', 'sessions']);
    assert.deepEqual(byAddress.rows?.find((r) => r[0] === OTHER), [OTHER, '1']);
    assert.deepEqual(byAddress.rows?.find((r) => r[0] === '127.0.0.1'), ['127.0.0.1', '2']);
    const byName = await runOk(root, 'list-conn', '-u');
    assert.deepEqual(byName.rows?.map((r) => r[0]).filter((n) => !n?.startsWith('root#')).sort(), ['ann', 'ben']);
    assert.equal(await runError(root, 'list-conn', '-x'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'list-conn', '-ip -u'), 'TOO_MANY_ARGUMENTS');
    root.destroy();
    ann.destroy();
    ben.destroy();
    await everyoneGone(t);
  });

  test('remove -u: the victim is told why; a bystander sees a leave marked kicked', async () => {
    const root = await rootLoggedIn(t.port);
    const victim = await loggedIn(t.port, 'Victim');
    const bystander = await loggedIn(t.port, 'bystander');
    const answer = await runOk(root, 'remove', '-u victim');
    assert.match(answer.lines?.join(' ') ?? '', /Victim/);
    const bye = await victim.waitFor('bye');
    assert.equal(bye.code, 'KICKED');
    assert.match(bye.message, /removed/);
    await victim.gone();
    const leave = await bystander.waitFor('presence', (p) => p.name === 'Victim' && p.event === 'leave');
    assert.equal(leave.reason, 'kicked');
    // Root sessions see it too, and a kick is not a ban: the name can come back at once.
    await root.waitFor('presence', (p) => p.name === 'Victim' && p.event === 'leave');
    const back = await loggedIn(t.port, 'Victim');
    back.destroy();
    bystander.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('remove -ip disconnects every user at that address and nobody else', async () => {
    const root = await rootLoggedIn(t.port);
    const one = await loggedIn(t.port, 'far1', OTHER);
    const two = await loggedIn(t.port, 'far2', OTHER);
    const near = await loggedIn(t.port, 'near');
    await runOk(root, 'remove', `-ip ${OTHER}`);
    for (const c of [one, two]) assert.equal((await c.waitFor('bye')).code, 'KICKED');
    await near.waitFor('presence', (p) => p.name === 'far2' && p.event === 'leave' && p.reason === 'kicked');
    await near.waitFor('presence', (p) => p.name === 'far1' && p.event === 'leave' && p.reason === 'kicked');
    assert.equal(near.closed, false);
    assert.equal(root.closed, false);
    assert.deepEqual(t.server.onlineNames(), ['near']);
    near.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('remove: missing arguments, unknown names and addresses, invalid IPs are clear errors', async () => {
    const root = await rootLoggedIn(t.port);
    assert.equal(await runError(root, 'remove'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'remove', '-u'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'remove', '-u nobody'), 'NOT_CONNECTED');
    assert.equal(await runError(root, 'remove', '-ip 10.9.8.7'), 'NOT_CONNECTED');
    assert.equal(await runError(root, 'remove', '-ip 999.1.1.1'), 'INVALID_ADDRESS');
    assert.equal(await runError(root, 'remove', '-ip 10.0.0.0/8'), 'INVALID_ADDRESS');
    assert.equal(await runError(root, 'remove', '-x bob'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'remove', '-u a b'), 'TOO_MANY_ARGUMENTS');
    // The console stays open after every error.
    await runOk(root, 'list-conn');
    root.destroy();
  });
});

describe('root: notices', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());

  test('send -all reaches everyone as a root notice', async () => {
    const root = await rootLoggedIn(t.port);
    const otherRoot = await rootLoggedIn(t.port);
    const ann = await loggedIn(t.port, 'ann');
    const ben = await loggedIn(t.port, 'ben', OTHER);
    const answer = await runOk(root, 'send', '-all "Pizza is here <b>&amp;</b>"');
    assert.match(answer.lines?.[0] ?? '', /3 sessions/);
    for (const c of [ann, ben, otherRoot]) {
      const notice = await c.waitFor('notice', (n) => n.from === 'root');
      assert.equal(notice.text, 'Pizza is here <b>&amp;</b>');
    }
    // Unquoted words after -all are the message too.
    await runOk(root, 'send', '-all back in five');
    await ann.waitFor('notice', (n) => n.text === 'back in five');
    for (const c of [root, otherRoot, ann, ben]) c.destroy();
    await everyoneGone(t);
  });

  test('send -ip reaches only the sessions at those addresses', async () => {
    const root = await rootLoggedIn(t.port);
    const near = await loggedIn(t.port, 'near');
    const far = await loggedIn(t.port, 'far', OTHER);
    const answer = await runOk(root, 'send', `-ip ${OTHER} "Only for you"`);
    assert.match(answer.lines?.[0] ?? '', /1 session\b/);
    await far.waitFor('notice', (n) => n.from === 'root' && n.text === 'Only for you');
    // A marker after it proves `near` got nothing in between.
    await runOk(root, 'send', '-ip 127.0.0.1 127.0.0.2 "For both"');
    await near.waitFor('notice', (n) => n.text === 'For both');
    await far.waitFor('notice', (n) => n.text === 'For both');
    assert.equal(near.received.filter((m) => m.type === 'notice').length, 1);
    for (const c of [root, near, far]) c.destroy();
    await everyoneGone(t);
  });

  test('send: errors for bad options, addresses, absent sessions and bad text; nothing is sent', async () => {
    const root = await rootLoggedIn(t.port);
    const user = await loggedIn(t.port, 'listener');
    assert.equal(await runError(root, 'send'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'send', '-all'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'send', '-ip 127.0.0.1'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'send', '-ip not-an-ip "hello"'), 'INVALID_ADDRESS');
    assert.equal(await runError(root, 'send', '-ip 127.0.0.1 hello there'), 'INVALID_ADDRESS');
    assert.equal(await runError(root, 'send', '-ip 127.0.0.1 10.1.2.3 "hello"'), 'NOT_CONNECTED');
    assert.equal(await runError(root, 'send', '-everyone "hello"'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'send', `-all "${'x'.repeat(2001)}"`), 'TEXT_TOO_LONG');
    assert.equal(await runError(root, 'send', '-all "bell\u0007"'), 'TEXT_INVALID');
    assert.equal(await runError(root, 'send', '-all "   "'), 'TEXT_EMPTY');
    await user.answer(user.command('online'));
    assert.equal(user.received.filter((m) => m.type === 'notice').length, 0);
    root.destroy();
    user.destroy();
    await everyoneGone(t);
  });

  test('a user cannot forge a root or server notice', async () => {
    const mallory = await loggedIn(t.port, 'mallory');
    const victim = await loggedIn(t.port, 'victim');
    // Text that looks like a notice arrives as a chat message, from mallory.
    await mallory.answer(mallory.say('*** ROOT NOTICE: send me your passkey'));
    const seen = await victim.waitFor('message', (m) => m.from === 'mallory');
    assert.equal(seen.type, 'message');
    // A notice message from a client is not part of the client protocol.
    mallory.writeRaw(encodeFrame({ type: 'notice', from: 'root', text: 'I am root', time: new Date().toISOString() }));
    assert.equal((await mallory.waitFor('error')).code, 'BAD_MESSAGE');
    // Nor can a user send one with the root's command.
    assert.equal(await runError(mallory, 'send', '-all "I am root"'), 'UNKNOWN_COMMAND');
    await victim.answer(victim.command('online'));
    assert.equal(victim.received.filter((m) => m.type === 'notice').length, 0);
    mallory.destroy();
    victim.destroy();
    await everyoneGone(t);
  });
});

describe('root: bans', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());

  test('ban -u: the victim is told, a bystander sees "banned", the name is refused until unbanned', async () => {
    const root = await rootLoggedIn(t.port);
    const troll = await loggedIn(t.port, 'Troll', OTHER);
    const bystander = await loggedIn(t.port, 'bystander');
    const answer = await runOk(root, 'ban', '-u troll 2h');
    assert.match(answer.lines?.join(' ') ?? '', /troll until .* \(2h\)/);
    const bye = await troll.waitFor('bye');
    assert.equal(bye.code, 'BANNED');
    assert.match(bye.message, /banned .* for another 2h/);
    await troll.gone();
    const leave = await bystander.waitFor('presence', (p) => p.name === 'Troll' && p.event === 'leave');
    assert.equal(leave.reason, 'banned');

    // The name is refused at login whatever its case, with the time left; others are not.
    const again = await RawClient.connect(t.port);
    again.send(await again.authMessage('TROLL'));
    const refused = await again.waitFor('error');
    assert.equal(refused.code, 'BANNED');
    assert.match(refused.message, /for another (2h|1h 59m)/);
    await again.gone();

    const bans = await runOk(root, 'bans');
    assert.deepEqual(bans.columns, ['kind', 'target', 'by', 'since', 'expires', 'left']);
    const row = bans.rows?.find((r) => r[1] === 'troll');
    assert.equal(row?.[0], 'name');
    assert.match(row?.[2] ?? '', /^root#\d+$/);
    assert.match(row?.[5] ?? '', /^(2h|1h 59m)$/);

    const stats = await runOk(root, 'stats');
    assert.equal(stats.rows?.find((r) => r[0] === OTHER)?.[3], '1', 'times banned counted for the address');

    await runOk(root, 'unban', 'TROLL');
    assert.equal(await runError(root, 'unban', 'troll'), 'NOT_BANNED');
    const back = await loggedIn(t.port, 'troll');
    back.destroy();
    bystander.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('a permanent name ban; banning an offline name works too', async () => {
    const root = await rootLoggedIn(t.port);
    const answer = await runOk(root, 'ban', '-u ghost');
    assert.match(answer.lines?.join(' ') ?? '', /permanently/);
    assert.match(answer.lines?.join(' ') ?? '', /Nobody affected was connected/);
    const bans = await runOk(root, 'bans');
    assert.deepEqual(bans.rows?.find((r) => r[1] === 'ghost')?.slice(4), ['never', 'permanent']);
    const client = await RawClient.connect(t.port);
    client.send(await client.authMessage('ghost'));
    const refused = await client.waitFor('error');
    assert.equal(refused.code, 'BANNED');
    assert.match(refused.message, /permanently/);
    await runOk(root, 'unban', 'ghost');
    root.destroy();
  });

  test('ban -ip: refused as soon as TLS is up, before any login work; a CIDR range too', async () => {
    const root = await rootLoggedIn(t.port);
    const far = await loggedIn(t.port, 'faraway', OTHER);
    const near = await loggedIn(t.port, 'nearby');
    // Half-way through logging in when the ban lands: refused at auth instead.
    const midway = await RawClient.connect(t.port, '127.0.0.1', OTHER);
    await midway.hello();
    await runOk(root, 'ban', `-ip ${OTHER} 10m`);
    midway.send(await midway.authMessage('midway'));
    assert.equal((await midway.waitFor('error')).code, 'BANNED');
    await midway.gone();
    assert.equal((await far.waitFor('bye')).code, 'BANNED');
    await near.waitFor('presence', (p) => p.name === 'faraway' && p.reason === 'banned');
    assert.equal(near.closed, false);

    // No hello sent: the refusal comes first, then the connection closes.
    const knocking = await RawClient.connect(t.port, '127.0.0.1', OTHER);
    const refused = await knocking.waitFor('error');
    assert.equal(refused.code, 'BANNED');
    assert.match(refused.message, /for another (10m|9m \d+s)/);
    await knocking.gone();
    assert.equal(knocking.received.some((m) => m.type === 'challenge'), false);

    await runOk(root, 'unban', OTHER);
    const welcome = await loggedIn(t.port, 'faraway', OTHER);
    welcome.destroy();

    // A range: 127.0.0.2/31 covers .2 and .3, not .1 where the root is.
    const ranged = await runOk(root, 'ban', '-ip 127.0.0.3/31 1h');
    assert.match(ranged.lines?.join(' ') ?? '', /127\.0\.0\.2\/31/);
    const inRange = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.3');
    assert.equal((await inRange.waitFor('error')).code, 'BANNED');
    assert.equal(await runError(root, 'unban', '127.0.0.3'), 'NOT_BANNED');
    await runOk(root, 'unban', '127.0.0.2/31');
    near.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('ban: invalid addresses, ranges, names and durations; a ban that would lock the root out', async () => {
    const root = await rootLoggedIn(t.port);
    for (const bad of ['300.1.1.1', '10.0.0.0/33', 'abc', '1.2.3', '2001:db8::/129', '::ffff:1.2.3.4/120']) assert.equal(await runError(root, 'ban', `-ip ${bad}`), 'INVALID_ADDRESS', bad);
    for (const bad of ['10x', '0m', '-5m', '2', '99999999d']) assert.equal(await runError(root, 'ban', `-u someone ${bad}`), 'INVALID_DURATION', bad);
    assert.equal(await runError(root, 'ban', '-u "bad name"'), 'NAME_INVALID');
    assert.equal(await runError(root, 'ban', '-u'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'ban', '-x someone'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'ban', '-u someone 2h extra'), 'TOO_MANY_ARGUMENTS');
    assert.equal(await runError(root, 'ban', '-ip 127.0.0.1'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'ban', '-ip 127.0.0.0/8'), 'INVALID_ARGUMENT');
    assert.equal(await runError(root, 'unban'), 'MISSING_ARGUMENT');
    assert.equal(await runError(root, 'unban', '10.0.0.0/8'), 'NOT_BANNED');
    assert.equal(await runError(root, 'bans', 'all'), 'TOO_MANY_ARGUMENTS');
    // IPv6 ranges are canonicalised, so unban finds what ban stored whatever way it is typed.
    await runOk(root, 'ban', '-ip 2001:DB8:0:0::1/32 7d');
    const bans = await runOk(root, 'bans');
    assert.ok(bans.rows?.some((r) => r[1] === '2001:db8::/32'));
    await runOk(root, 'unban', '2001:0db8::/32');
    assert.equal((await runOk(root, 'bans')).rows?.length, 0);
    root.destroy();
  });

  test('bans: a long list is cut to what fits one reply, permanent bans first', async () => {
    const root = await rootLoggedIn(t.port);
    // The ban list reads the table only at start; bans made while it runs go through it.
    const target = (i: number): string => `10.1.${Math.floor(i / 250)}.${i % 250}`;
    for (let i = 0; i < 600; i++) t.server.moderation.bans.add('address', target(i), i === 599 ? undefined : 3_600_000 + i, 'test');
    await runOk(root, 'ban', '-u listfiller 1h');
    const bans = await runOk(root, 'bans');
    assert.equal(bans.rows?.length, 500);
    assert.match(bans.lines?.join(' ') ?? '', /601 bans in force\. Showing the first 500/);
    assert.deepEqual(bans.rows?.[0]?.slice(1, 2), ['10.1.2.99']);
    for (let i = 0; i < 600; i++) t.server.moderation.bans.remove('address', target(i));
    await runOk(root, 'unban', 'listfiller');
    root.destroy();
  });
});

describe('root: requests, stats, exit and the audit trail', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());

  test('requests [n] shows the newest requests; n is checked', async () => {
    const root = await rootLoggedIn(t.port);
    const empty = await runOk(root, 'requests');
    assert.deepEqual(empty.lines, ['No requests yet.']);
    const user = await loggedIn(t.port, 'asker');
    for (const text of ['first wish', 'second wish', 'third wish']) assert.equal((await user.answer(user.command('request', text))).type, 'ack');
    const two = await runOk(root, 'requests', '2');
    assert.equal(two.lines?.length, 3);
    assert.match(two.lines?.[0] ?? '', /^2 most recent, newest last:$/);
    assert.match(two.lines?.[1] ?? '', /asker \(127\.0\.0\.1\): second wish$/);
    assert.match(two.lines?.[2] ?? '', /third wish$/);
    const all = await runOk(root, 'requests');
    assert.equal(all.lines?.length, 4);
    for (const bad of ['0', '-1', 'abc', '1001', '2.5']) assert.equal(await runError(root, 'requests', bad), 'INVALID_ARGUMENT', bad);
    assert.equal(await runError(root, 'requests', '1 2'), 'TOO_MANY_ARGUMENTS');
    user.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('stats: visits, peak, messages, bytes, and failed passkey and root-password logins per address', async () => {
    const root = await rootLoggedIn(t.port);
    const before = await runOk(root, 'stats');
    const visits = (r: typeof before): number => Number(/Total visits: (\d+)/.exec(r.lines?.join('\n') ?? '')?.[1]);
    const messages = (r: typeof before): number => Number(/Messages relayed: (\d+)/.exec(r.lines?.join('\n') ?? '')?.[1]);
    const a = await loggedIn(t.port, 'counta', OTHER);
    const b = await loggedIn(t.port, 'countb', OTHER);
    await a.answer(a.say('one'));
    await b.answer(b.say('two'));
    for (const options of [{ passkey: 'wrong-passkey-1' }, { role: 'root' as const, rootPassword: 'wrong-root-password' }]) {
      const bad = await RawClient.connect(t.port, '127.0.0.1', OTHER);
      await bad.attempt('intruder', options);
      await bad.gone();
    }
    const after = await runOk(root, 'stats');
    assert.equal(visits(after) - visits(before), 2);
    assert.equal(messages(after) - messages(before), 2);
    const text = after.lines?.join('\n') ?? '';
    assert.match(text, /Uptime: \d+/);
    assert.match(text, /Sessions now: 2 users, 1 root/);
    assert.match(text, /Peak sessions: [2-9]/);
    assert.match(text, /Bytes in \/ out: [\d.]+ (B|KiB) \/ [\d.]+ (B|KiB|MiB)/);
    assert.deepEqual(after.columns, ['address', 'connections', 'failed auth', 'times banned', 'last seen']);
    const row = after.rows?.find((r) => r[0] === OTHER);
    assert.deepEqual(row?.slice(0, 4), [OTHER, '4', '2', '0']);
    assert.match(row?.[4] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.equal(t.server.moderation.stats.failuresFrom(OTHER), 2);
    a.destroy();
    b.destroy();
    root.destroy();
    await everyoneGone(t);
  });

  test('exit leaves the console; the server keeps running', async () => {
    const root = await rootLoggedIn(t.port);
    assert.equal(await runError(root, 'exit', 'now'), 'TOO_MANY_ARGUMENTS');
    assert.equal((await run(root, 'exit')).type, 'ack');
    assert.equal((await root.waitFor('bye')).code, 'LEFT');
    await root.gone();
    const user = await loggedIn(t.port, 'stillhere');
    user.destroy();
  });

  test('audit.log records who, from where, what and the result of each action, and no message bodies', async () => {
    const root = await rootLoggedIn(t.port);
    const user = await loggedIn(t.port, 'audited', OTHER);
    await runOk(root, 'list-conn');
    await runOk(root, 'send', '-all "secret party location 42"');
    await runOk(root, 'send', `-ip ${OTHER} "whisper body 77"`);
    await runError(root, 'remove', '-u nobody-here');
    await runOk(root, 'ban', '-u audited 10m');
    await runOk(root, 'unban', 'audited');
    await runOk(root, 'close-server', '-t 3600 -m "closing body text 99"');
    await runOk(root, 'cancel-shutdown');
    await runOk(root, 'bans');
    await runOk(root, 'requests', '5');
    await runOk(root, 'stats');
    // Root commands shared with users or added by other features are audited too.
    await run(root, 'packages');
    await run(root, 'revoke', 'nosuchpackage');
    await run(root, 'exit');
    await root.gone();
    const who = root.received.find((m) => m.type === 'welcome');
    const rootName = who?.type === 'welcome' ? who.name : '';
    const file = path.join(t.logDir, 'audit.log');
    await waitUntil(() => fs.readFileSync(file, 'utf8').includes(`"who":"${rootName}","from":"127.0.0.1","action":"logout"`), 5000, 'the logout record');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const text = fs.readFileSync(file, 'utf8');
    const entries = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const mine = entries.filter((e) => e.who === rootName);
    assert.deepEqual(
      mine.map((e) => e.action),
      ['login', 'list-conn', 'send', 'send', 'remove', 'ban', 'unban', 'close-server', 'cancel-shutdown', 'bans', 'requests', 'stats', 'packages', 'revoke', 'exit', 'logout'],
    );
    assert.deepEqual([mine.find((e) => e.action === 'revoke')?.targets, mine.find((e) => e.action === 'revoke')?.result], [['nosuchpackage'], 'PACKAGE_NOT_FOUND']);
    for (const entry of mine) {
      assert.equal(entry.from, '127.0.0.1');
      assert.ok(!Number.isNaN(Date.parse(String(entry.time))));
    }
    const removal = mine.find((e) => e.action === 'remove');
    assert.deepEqual([removal?.targets, removal?.result], [['-u', 'nobody-here'], 'NOT_CONNECTED']);
    assert.deepEqual(mine.find((e) => e.action === 'ban')?.targets, ['-u', 'audited', '10m']);
    assert.match(String(mine.find((e) => e.action === 'ban')?.detail), /disconnected 1/);
    assert.deepEqual(mine.filter((e) => e.action === 'send').map((e) => e.targets), [
      ['-all', '(message: 24 characters)'],
      ['-ip', OTHER, '(message: 15 characters)'],
    ]);
    for (const body of ['secret party location', 'whisper body', 'closing body text']) assert.ok(!text.includes(body), body);
    user.destroy();
    await everyoneGone(t);
  });
});
