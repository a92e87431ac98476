// Rooms: every command with its errors, delivery to members only, invite codes, capacity,
// ownership, root's reach, protocol-1 clients, and persistence across a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient, loggedIn, loggedInV2 } from '../helpers/raw-client.js';
import { everyoneGone, ROOT_PASSWORD, serverFor, startTestServer, tempDir, type TestServer, waitUntil } from '../helpers/server.js';

function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

/** Log in with protocol 2 and register the name (rooms you own need a registered name). */
async function registered(port: number, name: string): Promise<RawClient> {
  const client = await loggedInV2(port, name);
  assert.equal(outcome(await client.registerAccount(`${name}-password`)), 'account');
  return client;
}

async function rootSession(port: number): Promise<RawClient> {
  const root = await RawClient.connect(port);
  root.versions = [1, 2];
  await root.login('boss', { role: 'root', rootPassword: ROOT_PASSWORD });
  return root;
}

describe('rooms', () => {
  let t: TestServer;
  /** Invite codes handed out in these tests: secrets that must never reach the log. */
  const codes: string[] = [];
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100, maxRoomsPerUser: 3 })));
  after(async () => {
    await t.close();
    const log = fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8');
    assert.match(log, /room created .*room=#games/);
    for (const secret of ['gg everyone', 'via say.room', 'not for oldie', 'for everyone', ...codes]) assert.ok(!log.includes(secret), secret);
    assert.ok(codes.length >= 2);
  });

  test('room messages reach members only; #lobby reaches everyone; /public and say.room', async () => {
    const ann = await registered(t.port, 'ann');
    const ben = await loggedInV2(t.port, 'ben');
    const cat = await loggedInV2(t.port, 'cat');
    const created = await ann.answer(ann.command('create', '#games'));
    assert.deepEqual(created.type === 'joined' && [created.room, created.private, created.members, created.owner, created.invite], ['#games', false, 1, 'ann', undefined]);
    const joined = await ben.answer(ben.command('join', '#GAMES'));
    assert.deepEqual(joined.type === 'joined' && [joined.room, joined.members], ['#games', 2]);
    const announced = await ann.waitFor('membership');
    assert.deepEqual([announced.room, announced.event, announced.name], ['#games', 'join', 'ben']);

    assert.equal(outcome(await ben.answer(ben.command('public', '#games gg everyone'))), 'ack');
    const seen = await ann.waitFor('message', (m) => m.text === 'gg everyone');
    assert.equal(seen.room, '#games');
    assert.equal(typeof seen.id, 'number');
    ann.send({ type: 'say', id: 900, text: 'via say.room', room: '#Games' });
    assert.equal(outcome(await ann.answer(900)), 'ack');
    await ben.waitFor('message', (m) => m.text === 'via say.room' && m.room === '#games');
    // cat is not a member: nothing from #games reaches her, and she cannot post there.
    assert.equal(outcome(await cat.answer(cat.command('public', '#games let me in'))), 'NOT_MEMBER');
    cat.send({ type: 'say', id: 901, text: 'sneaky', room: '#games' });
    assert.equal(outcome(await cat.answer(901)), 'NOT_MEMBER');
    assert.equal(outcome(await cat.answer(cat.command('public', '#nowhere hi'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await cat.answer(cat.command('public', '#games'))), 'MISSING_ARGUMENT');
    assert.equal(outcome(await cat.answer(cat.command('public', 'games hi'))), 'ROOM_NAME_INVALID');
    await cat.answer(cat.say('lobby line'));
    await ann.waitFor('message', (m) => m.text === 'lobby line' && m.room === '#lobby');
    await ben.waitFor('message', (m) => m.text === 'lobby line');
    assert.equal(cat.received.filter((m) => m.type === 'message' && m.room === '#games').length, 0);
    assert.equal(cat.received.filter((m) => m.type === 'membership').length, 0);
    // Message ids increase across rooms.
    const ids = ann.received.flatMap((m) => (m.type === 'message' && m.id !== undefined ? [m.id] : []));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    for (const c of [ann, ben, cat]) c.destroy();
    await everyoneGone(t);
  });

  test('room names: the rules, case-insensitive uniqueness, #lobby is taken', async () => {
    const dan = await registered(t.port, 'dan');
    for (const bad of ['games', '#', '#bad.name', '#sp ace', '#' + 'x'.repeat(33), '#ümlaut']) {
      assert.equal(outcome(await dan.answer(dan.command('create', `'${bad}'`))), 'ROOM_NAME_INVALID', bad);
    }
    assert.equal(outcome(await dan.answer(dan.command('create', '#' + 'x'.repeat(32)))), 'joined');
    assert.equal(outcome(await dan.answer(dan.command('create', '#GAMES'))), 'ROOM_EXISTS');
    assert.equal(outcome(await dan.answer(dan.command('create', '#Lobby'))), 'ROOM_EXISTS');
    assert.equal(outcome(await dan.answer(dan.command('create', '#ok-1_2 --bogus'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await dan.answer(dan.command('create', '#ok-1_2 --max'))), 'MISSING_ARGUMENT');
    assert.equal(outcome(await dan.answer(dan.command('create', '#ok-1_2 --max 1'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await dan.answer(dan.command('create', '#ok-1_2 --max lots'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await dan.answer(dan.command('create', '#ok-1_2 --max 1001'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await dan.answer(dan.command('join', '#no-such-room'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await dan.answer(dan.command('join', '#bad!'))), 'ROOM_NAME_INVALID');
    assert.equal(outcome(await dan.answer(dan.command('create'))), 'MISSING_ARGUMENT');
    dan.destroy();
    await everyoneGone(t);
  });

  test('guests can join public rooms but not create rooms or use invite codes', async () => {
    const owner = await registered(t.port, 'eve');
    const created = await owner.answer(owner.command('create', '#hideout --private'));
    const code = created.type === 'joined' ? (created.invite ?? '') : '';
    const guest = await loggedInV2(t.port, 'guestly');
    assert.equal(outcome(await guest.answer(guest.command('create', '#mine'))), 'NOT_REGISTERED');
    assert.equal(outcome(await guest.answer(guest.command('join', code))), 'NOT_REGISTERED');
    assert.equal(outcome(await guest.answer(guest.command('join', '#games'))), 'joined');
    owner.destroy();
    guest.destroy();
    await everyoneGone(t);
  });

  test('invite-only rooms: codes are 128-bit, members only see them, capacity, wrong codes', async () => {
    const fay = await registered(t.port, 'fay');
    const gus = await registered(t.port, 'gus');
    const hal = await registered(t.port, 'hal');
    const created = await fay.answer(fay.command('create', '#duo --private --max 2'));
    assert.equal(created.type, 'joined');
    const code = created.type === 'joined' ? (created.invite ?? '') : '';
    codes.push(code);
    assert.match(code, /^[A-Za-z0-9_-]{22}$/, 'base64url of 16 random bytes');
    assert.equal(created.type === 'joined' && created.max, 2);
    const shown = await fay.answer(fay.command('invite', '#duo'));
    assert.deepEqual(shown.type === 'invite' && shown.code, code);
    // An invite-only room is answered like a room that does not exist: its name stays secret.
    assert.equal(outcome(await gus.answer(gus.command('invite', '#duo'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await fay.answer(fay.command('invite', '#games'))), 'NOT_MEMBER');
    const guessed = await gus.answer(gus.command('join', '#duo'));
    const missing = await gus.answer(gus.command('join', '#nowhere'));
    assert.deepEqual([outcome(guessed), outcome(missing)], ['NO_SUCH_ROOM', 'NO_SUCH_ROOM']);
    assert.equal(guessed.type === 'error' && guessed.message.replace('#duo', '#x'), missing.type === 'error' && missing.message.replace('#nowhere', '#x'));
    assert.equal(outcome(await gus.answer(gus.command('join', 'AAAAAAAAAAAAAAAAAAAAAA'))), 'INVITE_INVALID');
    assert.equal(outcome(await gus.answer(gus.command('join', code.toLowerCase() === code ? code.toUpperCase() : code.toLowerCase()))), 'INVITE_INVALID');
    assert.equal(outcome(await gus.answer(gus.command('join', code))), 'joined');
    assert.equal(outcome(await gus.answer(gus.command('join', code))), 'ALREADY_MEMBER');
    assert.equal(outcome(await hal.answer(hal.command('join', code))), 'ROOM_FULL');
    // Not listed for outsiders, nor can they see who is in it.
    const rooms = await hal.answer(hal.command('rooms'));
    assert.ok(rooms.type === 'rooms' && !rooms.rooms.some((r) => r.name === '#duo'));
    assert.equal(outcome(await hal.answer(hal.command('who', '#duo'))), 'NO_SUCH_ROOM');
    const mine = await gus.answer(gus.command('rooms'));
    assert.deepEqual(
      mine.type === 'rooms' && mine.rooms.find((r) => r.name === '#duo'),
      { name: '#duo', private: true, owner: 'fay', members: 2, online: 2, joined: true, max: 2 },
    );
    // Kicking from an invite-only room changes its code: the kicked member's copy stops working.
    assert.equal(outcome(await fay.answer(fay.command('kick', '#duo gus'))), 'ack');
    const kicked = await gus.waitFor('membership', (m) => m.event === 'kick');
    assert.deepEqual([kicked.room, kicked.name, kicked.by], ['#duo', 'gus', 'fay']);
    assert.equal(outcome(await gus.answer(gus.command('join', code))), 'INVITE_INVALID');
    const renewed = await fay.answer(fay.command('invite', '#duo'));
    assert.ok(renewed.type === 'invite' && renewed.code !== code);
    if (renewed.type === 'invite') codes.push(renewed.code);
    for (const c of [fay, gus, hal]) c.destroy();
    await everyoneGone(t);
  });

  test('/leave, /switch, /who, /rooms and their errors; #lobby cannot be left', async () => {
    const ivy = await registered(t.port, 'ivy');
    const jon = await loggedInV2(t.port, 'jon');
    await ivy.answer(ivy.command('create', '#chat'));
    await jon.answer(jon.command('join', '#chat'));
    const switched = await jon.answer(jon.command('switch', '#CHAT'));
    assert.deepEqual(switched.type === 'switched' && switched.room, '#chat');
    assert.equal(outcome(await jon.answer(jon.command('switch', '#lobby'))), 'switched');
    assert.equal(outcome(await jon.answer(jon.command('switch', '#duo'))), 'NO_SUCH_ROOM', 'an invite-only room jon is not in');
    assert.equal(outcome(await jon.answer(jon.command('switch', '#nope'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await jon.answer(jon.command('switch', 'chat'))), 'ROOM_NAME_INVALID');
    const who = await ivy.answer(ivy.command('who', '#chat'));
    assert.deepEqual(who.type === 'members' && who.members, [
      { name: 'ivy', online: true, owner: true },
      { name: 'jon', online: true, owner: false },
    ]);
    const lobby = await ivy.answer(ivy.command('who', '#lobby'));
    assert.deepEqual(lobby.type === 'members' && lobby.members.map((m) => m.name), ['ivy', 'jon']);
    assert.equal(outcome(await ivy.answer(ivy.command('who', '#nope'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await ivy.answer(ivy.command('who'))), 'MISSING_ARGUMENT');
    const rooms = await jon.answer(jon.command('rooms'));
    assert.deepEqual(
      rooms.type === 'rooms' && rooms.rooms.map((r) => [r.name, r.joined]),
      [
        ['#lobby', true],
        ['#chat', true],
        ['#games', false],
        ['#' + 'x'.repeat(32), false],
      ],
    );
    assert.equal(outcome(await jon.answer(jon.command('leave', '#lobby'))), 'ROOM_FIXED');
    assert.equal(outcome(await jon.answer(jon.command('leave', '#games'))), 'NOT_MEMBER');
    assert.equal(outcome(await jon.answer(jon.command('leave', '#chat'))), 'ack');
    const left = await ivy.waitFor('membership', (m) => m.event === 'leave');
    assert.deepEqual([left.room, left.name], ['#chat', 'jon']);
    await jon.waitFor('membership', (m) => m.event === 'leave' && m.name === 'jon');
    assert.equal(outcome(await jon.answer(jon.command('switch', '#chat'))), 'NOT_MEMBER');
    // The owner leaving the last seat deletes the room.
    assert.equal(outcome(await ivy.answer(ivy.command('leave', '#chat'))), 'ack');
    assert.equal(outcome(await ivy.answer(ivy.command('who', '#chat'))), 'NO_SUCH_ROOM');
    ivy.destroy();
    jon.destroy();
    await everyoneGone(t);
  });

  test('owners kick and delete; others may not; root may do both anywhere', async () => {
    const kim = await registered(t.port, 'kim');
    const lee = await registered(t.port, 'lee');
    await kim.answer(kim.command('create', '#kims'));
    await lee.answer(lee.command('join', '#kims'));
    assert.equal(outcome(await lee.answer(lee.command('kick', '#kims kim'))), 'NOT_PERMITTED');
    assert.equal(outcome(await lee.answer(lee.command('delete', '#kims'))), 'NOT_PERMITTED');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#kims nobody'))), 'NOT_MEMBER');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#kims kim'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#lobby lee'))), 'ROOM_FIXED');
    assert.equal(outcome(await kim.answer(kim.command('delete', '#lobby'))), 'ROOM_FIXED');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#kims'))), 'MISSING_ARGUMENT');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#nope lee'))), 'NO_SUCH_ROOM');
    assert.equal(outcome(await kim.answer(kim.command('kick', '#kims LEE'))), 'ack');
    await lee.waitFor('membership', (m) => m.event === 'kick' && m.name === 'lee');
    await lee.answer(lee.command('join', '#kims'));
    assert.equal(outcome(await kim.answer(kim.command('delete', '#kims'))), 'ack');
    const deleted = await lee.waitFor('membership', (m) => m.event === 'delete');
    assert.deepEqual([deleted.room, deleted.by], ['#kims', 'kim']);
    assert.equal(outcome(await lee.answer(lee.command('join', '#kims'))), 'NO_SUCH_ROOM');

    // Root: kick #room name and delete #room, in a room root is not a member of.
    await lee.answer(lee.command('create', '#lees --private'));
    await kim.answer(kim.command('join', '#games'));
    const root = await rootSession(t.port);
    const all = await root.answer(root.command('rooms'));
    assert.ok(all.type === 'rooms' && all.rooms.some((r) => r.name === '#lees'), 'root sees invite-only rooms');
    assert.equal(outcome(await root.answer(root.command('kick', '#games kim'))), 'ack');
    const byRoot = await kim.waitFor('membership', (m) => m.event === 'kick' && m.room === '#games');
    assert.equal(byRoot.by, 'root');
    assert.equal(outcome(await root.answer(root.command('delete', '#lees'))), 'ack');
    await lee.waitFor('membership', (m) => m.event === 'delete' && m.room === '#lees');
    for (const c of [kim, lee, root]) c.destroy();
    await everyoneGone(t);
  });

  test('a user may be in at most maxRoomsPerUser rooms besides #lobby', async () => {
    const max = await registered(t.port, 'maxine');
    for (const room of ['#m1', '#m2', '#m3']) assert.equal(outcome(await max.answer(max.command('create', room))), 'joined');
    assert.equal(outcome(await max.answer(max.command('create', '#m4'))), 'TOO_MANY_ROOMS');
    assert.equal(outcome(await max.answer(max.command('join', '#games'))), 'TOO_MANY_ROOMS');
    max.destroy();
    await everyoneGone(t);
  });

  test('protocol-1 clients keep chatting in #lobby, without room fields, and cannot use room commands', async () => {
    const old = await loggedIn(t.port, 'oldie');
    const modern = await loggedInV2(t.port, 'modern');
    await modern.answer(modern.command('join', '#games'));
    await modern.answer(modern.command('public', '#games not for oldie'));
    await modern.answer(modern.say('for everyone'));
    const heard = await old.waitFor('message', (m) => m.text === 'for everyone');
    assert.deepEqual(Object.keys(heard).sort(), ['from', 'text', 'time', 'type']);
    assert.equal(old.received.filter((m) => m.type === 'message' && m.text === 'not for oldie').length, 0);
    assert.equal(outcome(await old.answer(old.command('join', '#games'))), 'CLIENT_TOO_OLD');
    old.send({ type: 'say', id: 77, text: 'hi', room: '#games' });
    assert.equal(outcome(await old.answer(77)), 'CLIENT_TOO_OLD');
    const help = await old.answer(old.command('help'));
    assert.deepEqual(help.type === 'help' && help.commands.map((c) => c.usage.split(' ')[0]), ['/help', '/online', '/ip', '/request', '/exit']);
    const modernHelp = await modern.answer(modern.command('help'));
    assert.ok(modernHelp.type === 'help' && modernHelp.commands.some((c) => c.usage.startsWith('/join')));
    assert.ok(modernHelp.type === 'help' && !modernHelp.commands.some((c) => c.usage.startsWith('users')), 'no root commands for users');
    old.destroy();
    modern.destroy();
    await everyoneGone(t);
  });
});

describe('rooms: restart', () => {
  test('a restart keeps accounts, rooms, owners, invite codes and memberships', async (tc) => {
    const base = tempDir();
    const first = await serverFor(tc, {}, base);
    const owner = await registered(first.port, 'nora');
    const created = await owner.answer(owner.command('create', '#keep --private --max 5'));
    const code = created.type === 'joined' ? (created.invite ?? '') : '';
    const guest = await loggedInV2(first.port, 'otto');
    const missing = await guest.answer(guest.command('join', '#games-not-here'));
    assert.equal(missing.type === 'error' && missing.code, 'NO_SUCH_ROOM');
    await owner.answer(owner.command('create', '#open'));
    await guest.answer(guest.command('join', '#open'));
    const member = await registered(first.port, 'pia');
    await member.answer(member.command('join', code));
    for (const c of [owner, guest, member]) c.destroy();
    await waitUntil(() => first.server.onlineNames().length === 0);
    await first.close();

    const second = await serverFor(tc, {}, base);
    try {
      const wrong = await RawClient.connect(second.port);
      wrong.versions = [1, 2, 3];
      wrong.send(await wrong.authMessage('nora'));
      assert.equal((await wrong.waitFor('error')).code, 'PASSWORD_REQUIRED');
      wrong.destroy();
      const nora = await loggedInV2(second.port, 'nora', { password: 'nora-password' });
      const synced = await nora.waitFor('synced');
      assert.deepEqual(
        synced.rooms.map((r) => [r.name, r.private, r.owner]),
        [
          ['#lobby', false, undefined],
          ['#keep', true, 'nora'],
          ['#open', false, 'nora'],
        ],
      );
      const invite = await nora.answer(nora.command('invite', '#keep'));
      assert.deepEqual(invite.type === 'invite' && invite.code, code);
      const who = await nora.answer(nora.command('who', '#keep'));
      assert.deepEqual(who.type === 'members' && who.members.map((m) => [m.name, m.owner]), [
        ['nora', true],
        ['pia', false],
      ]);
      // Guest memberships belong to the name: otto is still in #open.
      const otto = await loggedInV2(second.port, 'otto');
      assert.deepEqual(
        (await otto.waitFor('synced')).rooms.map((r) => r.name),
        ['#lobby', '#open'],
      );
      nora.destroy();
      otto.destroy();
    } finally {
      await second.close();
    }
  });
});
