// The one fan-out: who each audience reaches, and what protocol-1 sessions get instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePayload } from '../../../src/protocol/frame.js';
import { Delivery } from '../../../src/server/chat/delivery.js';
import { Audience, Fanout } from '../../../src/server/chat/fanout.js';
import type { Room, Rooms } from '../../../src/server/chat/rooms.js';
import { Roster } from '../../../src/server/roster.js';
import { Member, type Role } from '../../../src/server/session/member.js';
import type { Session } from '../../../src/server/session/session.js';

function room(name: string, members: string[]): Room {
  return { id: 2, key: name, name, ownerKey: null, private: false, max: null, invite: null, members: new Map(members.map((m) => [m, m])), lastId: 0 };
}

test('audiences: everyone, users, roots, a room (#lobby: every user), sessions; protocol 1 gets the same, its own form, or nothing', () => {
  const lobby = room('#lobby', []);
  const games = room('#games', ['ann', 'bob']);
  const roster = new Roster();
  const got = new Map<string, string[]>();
  const session = (name: string): Session => {
    got.set(name, []);
    return { isOpen: true, sendFrame: (frame: Buffer) => got.get(name)?.push(String(Reflect.get(decodePayload(frame.subarray(4)) as object, 'text'))) } as unknown as Session;
  };
  const sessions = new Map<string, Session>();
  const add = (name: string, role: Role, protocol: number): void => {
    const s = session(name);
    sessions.set(name, s);
    roster.add(new Member(s, { name, role, protocol }));
  };
  add('ann', 'user', 2);
  add('bob', 'user', 1);
  add('cy', 'user', 2);
  add('root#1', 'root', 2);
  const fanout = new Fanout(roster, { lobby } as Rooms, new Delivery(1 << 20, 1 << 18));
  const notice = (text: string): { type: 'notice'; from: 'server'; text: string; time: string } => ({ type: 'notice', from: 'server', text, time: '' });
  assert.equal(fanout.send(Audience.everyone(sessions.get('cy')), notice('all')), 3);
  assert.equal(fanout.send(Audience.users, notice('users')), 3);
  assert.equal(fanout.send(Audience.roots, notice('roots')), 1);
  assert.equal(fanout.send(Audience.room(lobby), notice('lobby'), notice('lobby-v1')), 3);
  assert.equal(fanout.send(Audience.room(games, { also: sessions.get('root#1') }), notice('games'), 'none'), 2);
  assert.equal(fanout.send(Audience.sessions([sessions.get('cy') as Session]), notice('one')), 1);
  assert.deepEqual(Object.fromEntries(got), {
    ann: ['all', 'users', 'lobby', 'games'],
    bob: ['all', 'users', 'lobby-v1'],
    cy: ['users', 'lobby', 'one'],
    'root#1': ['all', 'roots', 'games'],
  });
});
