// Attack: bans that do not stick. Before this, a banned name could be taken back with /nick (or in
// a look-alike spelling), and `delete-user` or `ban -u` left the person's invite codes valid, so
// they registered a new name and walked back into the invite-only rooms. Now banned names (and
// names that look like them, UTS #39) cannot be taken by rename or registration, look-alikes of
// other people's names are refused, and removing or banning a member gives every invite-only room
// they were in a new invite code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { registerBehindItsBack, serverFor } from '../helpers/server.js';

function codeOf(answer: ServerMessage): string {
  return answer.type === 'error' ? answer.code : answer.type;
}

async function rootV2(port: number): Promise<RawClient> {
  const root = await RawClient.connect(port);
  root.versions = [1, 2];
  await root.login('root', { role: 'root' });
  return root;
}

/** The first answer to a login attempt as `name` (an error or the welcome). */
async function tryLogin(port: number, name: string, options: { password?: string; register?: boolean } = {}): Promise<ServerMessage> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2];
  try {
    client.send(await client.authMessage(name, options));
    // A password is proven by OPAQUE (protocol 3, issue 11): finishLogin answers its steps.
    return await client.finishLogin();
  } finally {
    client.destroy();
  }
}

test('a banned name cannot be taken back, by /nick, at login or registration, in any spelling that looks like it', async (tc) => {
  const t = await serverFor(tc);
  const root = await rootV2(t.port);
  const mallory = await loggedInV2(t.port, 'mallory');
  await root.answer(root.command('ban', '-u mallory'));
  await mallory.gone();
  const eve = await loggedInV2(t.port, 'eve');
  for (const name of ['mallory', 'MALLORY', 'ma11ory', 'MaIIory']) assert.equal(codeOf(await eve.answer(eve.command('nick', name))), 'NAME_BANNED', name);
  assert.equal(codeOf(await eve.answer(eve.command('nick', 'evelyn'))), 'ack');
  const lookAlike = await tryLogin(t.port, 'ma1lory');
  assert.equal(codeOf(lookAlike), 'BANNED');
  assert.match(lookAlike.type === 'error' ? lookAlike.message : '', /"ma1lory" looks like "mallory", which is banned/);
  assert.equal(codeOf(await tryLogin(t.port, 'mallory', { password: 'a-new-password', register: true })), 'BANNED');
  eve.destroy();
  root.destroy();
});

test('banning or deleting a member gives the invite-only rooms they were in new invite codes', async (tc) => {
  const t = await serverFor(tc);
  const olga = await loggedInV2(t.port, 'olga', { password: 'olga-password', register: true });
  const created = await olga.answer(olga.command('create', '#secret --private'));
  const first = created.type === 'joined' ? (created.invite ?? '') : '';
  const mal = await loggedInV2(t.port, 'mal', { password: 'mal-password', register: true });
  assert.equal(codeOf(await mal.answer(mal.command('join', first))), 'joined');
  const root = await rootV2(t.port);

  const banned = await root.answer(root.command('ban', '-u mal'));
  assert.match(banned.type === 'result' ? (banned.lines ?? []).join(' ') : '', /New invite codes for 1 invite-only room they were in: #secret/);
  await mal.gone();
  const shown = await olga.answer(olga.command('invite', '#secret'));
  const second = shown.type === 'invite' ? shown.code : '';
  assert.notEqual(second, first);
  // The old code lets nobody in, whatever name they come back as.
  const back = await loggedInV2(t.port, 'mal2', { password: 'mal2-password', register: true });
  assert.equal(codeOf(await back.answer(back.command('join', first))), 'INVITE_INVALID');

  // delete-user does the same.
  assert.equal(codeOf(await back.answer(back.command('join', second))), 'joined');
  assert.equal(codeOf(await root.answer(root.command('delete-user', 'mal2'))), 'ack');
  await back.gone();
  const third = await olga.answer(olga.command('invite', '#secret'));
  assert.ok(third.type === 'invite' && third.code !== second && third.code !== first);
  for (const client of [olga, root]) client.destroy();
});

test('look-alike names are refused next to someone online or registered; pairs registered before keep working', async (tc) => {
  const t = await serverFor(tc);
  const alice = await loggedInV2(t.port, 'alice', { password: 'alice-password', register: true });
  alice.destroy();
  const bob = await loggedInV2(t.port, 'bob');
  // At login.
  assert.equal(codeOf(await tryLogin(t.port, 'aIice')), 'NAME_REGISTERED');
  assert.equal(codeOf(await tryLogin(t.port, 'a1ice')), 'NAME_REGISTERED');
  assert.equal(codeOf(await tryLogin(t.port, 'b0b')), 'NAME_TAKEN');
  assert.equal(codeOf(await tryLogin(t.port, 'r00t')), 'NAME_RESERVED');
  // By /nick: someone else's name is refused, a look-alike of one's own is fine.
  const carol = await loggedInV2(t.port, 'carol');
  assert.equal(codeOf(await carol.answer(carol.command('nick', 'aIice'))), 'NAME_REGISTERED');
  assert.equal(codeOf(await carol.answer(carol.command('nick', 'B0B'))), 'NAME_TAKEN');
  assert.equal(codeOf(await bob.answer(bob.command('nick', 'b0b'))), 'ack');
  // At registration: a guest online under a name that has since become a look-alike of a registered one.
  const dave = await loggedInV2(t.port, 'daveI');
  await registerBehindItsBack(t, 'davel', 'davel-password');
  assert.equal(codeOf(await dave.registerAccount('dave-password')), 'NAME_REGISTERED');
  dave.destroy();
  // A pair registered before the check existed (written here behind its back) both still log in.
  await registerBehindItsBack(t, 'aIice', 'other-password');
  assert.equal(codeOf(await tryLogin(t.port, 'aIice', { password: 'other-password' })), 'welcome');
  assert.equal(codeOf(await tryLogin(t.port, 'alice', { password: 'alice-password' })), 'welcome');
  for (const client of [bob, carol]) client.destroy();
});
