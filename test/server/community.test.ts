// The Community on its own (no sockets): limits that are fixed in config.ts, checked with small
// injected values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config } from '../../config.js';
import { createSilentLogger } from '../../src/common/logger.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { CommandError } from '../../src/server/commands/types.js';
import { Community, type CommunityHost } from '../../src/server/chat/community.js';
import type { Session } from '../../src/server/session/session.js';
import { Store } from '../../src/data-dir/store.js';
import { tempDir } from '../helpers/server.js';

function makeCommunity(store: Store, maxRooms: number): { community: Community; host: CommunityHost } {
  const host: CommunityHost = {
    logger: createSilentLogger(),
    maxUnsentBytes: 1024 * 1024,
    now: () => Date.UTC(2026, 0, 1),
    activeSessions: () => [],
    liveSessions: () => [][Symbol.iterator](),
    sessionFor: () => undefined,
    renameSession: () => undefined,
    recordAuthFailure: () => undefined,
    reportStorageFailure: () => undefined,
  };
  const community = new Community(host, store.db, {
    accounts: { cost: config.accounts.scrypt, passwordMinLength: 8, passwordMaxLength: 256, maxConcurrentHashes: 1 },
    history: { ...config.history, enabled: true, retentionDays: 30, maxPerRoom: 100 },
    requireRegistration: false,
    maxRoomsPerUser: 10,
    maxRooms,
    maxCapacity: 10,
    inviteBytes: 16,
  });
  return { community, host };
}

/** A stand-in for a logged-in session: only what the community touches (name, replies). */
function fakeSession(name: string, replies: ServerMessage[]): Session {
  const session = {
    name,
    role: 'user',
    id: 1,
    protocol: 2,
    address: '127.0.0.1',
    send: (m: ServerMessage) => replies.push(m),
    sendFrame: () => undefined,
    sendError: (code: string, message: string | undefined, extra: { ref?: number }) => replies.push({ type: 'error', code, message: message ?? code, ...extra }),
  };
  return session as unknown as Session;
}

test('the server-wide room limit is enforced', async () => {
  const store = Store.open(tempDir());
  const { community, host } = makeCommunity(store, 2);
  const replies: ServerMessage[] = [];
  const session = fakeSession('founder', replies);
  assert.ok(await community.accounts.register('founder', 'founder-password', host.now()));
  community.createRoom(session, 1, '#one', { private: false, max: null });
  community.createRoom(session, 2, '#two', { private: true, max: 3 });
  assert.throws(
    () => community.createRoom(session, 3, '#three', { private: false, max: null }),
    (error: unknown) => error instanceof CommandError && error.code === 'TOO_MANY_ROOMS',
  );
  assert.deepEqual(
    replies.map((m) => m.type === 'joined' && [m.room, m.private, m.max]),
    [
      ['#one', false, undefined],
      ['#two', true, 3],
    ],
  );
  store.close();
});

test('lines from one turn of the event loop are committed together; a room deleted meanwhile refuses its line', async () => {
  const store = Store.open(tempDir());
  const { community, host } = makeCommunity(store, 10);
  const replies: ServerMessage[] = [];
  const founder = fakeSession('founder', replies);
  const other = fakeSession('other', replies);
  assert.ok(await community.accounts.register('founder', 'founder-password', host.now()));
  community.createRoom(founder, 1, '#temp', { private: false, max: null });
  let commits = 0;
  const appendMany = community.history.appendMany.bind(community.history);
  community.history.appendMany = (messages) => {
    commits += 1;
    return appendMany(messages);
  };
  const lines = [community.post(founder, 2, 'one'), community.post(other, 3, 'two'), community.post(founder, 4, 'three'), community.post(founder, 5, 'gone soon', '#temp')];
  community.deleteRoom(founder, 6, '#temp');
  await Promise.all(lines.map((line) => Promise.resolve(line)));
  assert.equal(commits, 1, 'one transaction for the whole turn');
  assert.deepEqual(
    replies.filter((m) => m.type === 'ack' || m.type === 'error').map((m) => (m.type === 'error' ? `${m.ref}:${m.code}` : `${m.type === 'ack' ? m.ref : ''}:ack`)),
    ['6:ack', '5:NO_SUCH_ROOM', '2:ack', '3:ack', '4:ack'],
  );
  assert.deepEqual(
    community.history.before(1, Number.MAX_SAFE_INTEGER, 10).map((row) => row.body),
    ['one', 'two', 'three'],
  );
  store.close();
});
