// The Community on its own (no sockets): limits that are fixed in config.ts, checked with small
// injected values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config } from '../../config.js';
import { createSilentLogger } from '../../src/common/logger.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { CommandError } from '../../src/server/commands/types.js';
import { Community, type CommunityHost } from '../../src/server/community.js';
import type { Session } from '../../src/server/session.js';
import { Store } from '../../src/server/store.js';
import { tempDir } from '../helpers/server.js';

test('the server-wide room limit is enforced', async () => {
  const store = Store.open(tempDir());
  const host: CommunityHost = {
    logger: createSilentLogger(),
    maxUnsentBytes: 1024 * 1024,
    now: () => Date.UTC(2026, 0, 1),
    activeSessions: () => [],
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
    maxRooms: 2,
    maxCapacity: 10,
    inviteBytes: 16,
  });
  const replies: ServerMessage[] = [];
  // Only what createRoom touches: a registered user's name and a way to answer.
  const session = { name: 'founder', role: 'user', id: 1, protocol: 2, send: (m: ServerMessage) => replies.push(m) } as unknown as Session;
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
