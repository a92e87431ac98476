// The chat services on their own (no sockets): the real service graph over a real database,
// with stand-in sessions that only collect what is sent to them. Limits that are fixed in
// config.ts are checked here with small injected values.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createSilentLogger } from '../../../src/common/logger.js';
import { resolveServerSettings, serverLimits, type ServerLimits } from '../../../src/common/settings.js';
import { ensurePrivateDir } from '../../../src/data-dir/files.js';
import { Store } from '../../../src/data-dir/store.js';
import { FrameDecoder, decodePayload } from '../../../src/protocol/frame.js';
import { Clock } from '../../../src/server/clock.js';
import { CommandError } from '../../../src/server/commands/command-error.js';
import type { Reply } from '../../../src/server/commands/reply.js';
import { realTimers } from '../../../src/server/moderation/countdown.js';
import { buildServices, type Services } from '../../../src/server/services.js';
import { Member } from '../../../src/server/session/member.js';
import type { Session } from '../../../src/server/session/session.js';
import { tempDir } from '../../helpers/server.js';

const secret = { key: Buffer.alloc(32), salt: Buffer.alloc(16), iterations: 1 };

function services(t: { after: (fn: () => void) => void }, limits: Partial<ServerLimits> = {}): Services {
  const dir = tempDir();
  const settings = { ...resolveServerSettings({}, {}), dataDir: path.join(dir, 'data'), logDir: path.join(dir, 'logs') };
  ensurePrivateDir(settings.dataDir, 'data directory');
  const store = Store.open(settings.dataDir);
  t.after(() => store.close());
  return buildServices({
    settings,
    limits: { ...serverLimits(settings), ...limits },
    logger: createSilentLogger(),
    clock: new Clock(() => Date.UTC(2026, 0, 1)),
    timers: realTimers,
    keys: { passkey: secret, root: secret, opaque: { serverSetup: 'unused', root: { record: 'unused', stretching: { memory: 8, iterations: 1, parallelism: 1 } } } },
    store,
    shutdown: () => Promise.resolve(),
  });
}

/** A logged-in member on a stand-in session that records the frames it is sent (a run of chat lines is several in one buffer). */
function member(s: Services, name: string, frames: unknown[] = []): Member {
  const decoder = new FrameDecoder(1024 * 1024);
  const session = { id: 1, address: '127.0.0.1', isOpen: true, sendFrame: (bytes: Buffer) => frames.push(...decoder.push(bytes).map(decodePayload)) };
  const m = new Member(session as unknown as Session, { name, role: 'user', protocol: 2 });
  s.roster.add(m);
  return m;
}

const outcome = (reply: Reply): string => (reply.type === 'joined' ? `${reply.room}:${String(reply.private)}:${String(reply.max)}` : reply.type);

test('the server-wide room limit is enforced', (t) => {
  const s = services(t, { maxRooms: 2 });
  const founder = member(s, 'founder');
  assert.ok(s.context.accounts.accounts.create('founder', { id: 'a:founder', record: 'unused', stretching: { memory: 8, iterations: 1, parallelism: 1 } }, Date.now()));
  const rooms = s.context.rooms;
  assert.deepEqual([outcome(rooms.create(founder, '#one', { private: false, max: null })), outcome(rooms.create(founder, '#two', { private: true, max: 3 }))], ['#one:false:undefined', '#two:true:3']);
  assert.throws(
    () => rooms.create(founder, '#three', { private: false, max: null }),
    (error: unknown) => error instanceof CommandError && error.code === 'TOO_MANY_ROOMS',
  );
});

test('lines from one turn of the event loop are committed together; a room deleted meanwhile refuses its line', async (t) => {
  const s = services(t);
  const seenByOther: unknown[] = [];
  const founder = member(s, 'founder');
  const other = member(s, 'other', seenByOther);
  assert.ok(s.context.accounts.accounts.create('founder', { id: 'a:founder', record: 'unused', stretching: { memory: 8, iterations: 1, parallelism: 1 } }, Date.now()));
  s.context.rooms.create(founder, '#temp', { private: false, max: null });
  let commits = 0;
  const appendMany = s.history.appendMany.bind(s.history);
  s.history.appendMany = (messages) => {
    commits += 1;
    return appendMany(messages);
  };
  const answers: string[] = [];
  const chat = s.context.chat;
  const lines = [chat.post(founder, 'one'), chat.post(other, 'two'), chat.post(founder, 'three'), chat.post(founder, 'gone soon', '#temp')].map(
    (line, i) =>
      new Promise<void>((done) =>
        line.onSettled((settled) => {
          answers.push(`${i}:${settled.ok ? ('type' in settled.answer ? settled.answer.type : 'outcome') : settled.error instanceof CommandError ? settled.error.code : 'bug'}`);
          done();
        }),
      ),
  );
  assert.equal(s.context.rooms.delete(founder, '#temp').type, 'ack');
  await Promise.all(lines);
  assert.equal(commits, 1, 'one transaction for the whole turn');
  assert.deepEqual(answers, ['3:NO_SUCH_ROOM', '0:ack', '1:ack', '2:ack']);
  assert.deepEqual(
    s.history.before(1, Number.MAX_SAFE_INTEGER, 10).map((row) => row.body),
    ['one', 'two', 'three'],
  );
  // Every lobby line reached the other member once, with its stored id.
  const texts = seenByOther.flatMap((m) => (typeof m === 'object' && m !== null && Reflect.get(m, 'type') === 'message' ? [`${String(Reflect.get(m, 'text'))}#${String(Reflect.get(m, 'id'))}`] : []));
  assert.deepEqual(texts, ['one#1', 'two#2', 'three#3']);
});

test('a chat line is checked before it is queued: text rules, then the room', (t) => {
  const s = services(t, { maxTextLength: 5 });
  const alice = member(s, 'alice');
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      return error instanceof CommandError ? error.code : 'bug';
    }
    return 'queued';
  };
  assert.equal(code(() => s.context.chat.post(alice, '123456')), 'TEXT_TOO_LONG');
  assert.equal(code(() => s.context.chat.post(alice, '   ')), 'TEXT_EMPTY');
  assert.equal(code(() => s.context.chat.post(alice, 'hi', '#nowhere')), 'NO_SUCH_ROOM');
});

test('a run of lobby lines is one buffer for everyone: protocol-1 members get the older form, and the size limit applies per frame', async (t) => {
  const s = services(t);
  const current: unknown[] = [];
  const sends: { bytes: number; largest: number | undefined }[] = [];
  const ann = member(s, 'ann', current);
  const decoder = new FrameDecoder(1024 * 1024);
  const older: unknown[] = [];
  const session = {
    id: 2,
    address: '127.0.0.1',
    isOpen: true,
    sendFrame: (bytes: Buffer, largest?: number) => {
      sends.push({ bytes: bytes.length, largest });
      older.push(...decoder.push(bytes).map(decodePayload));
    },
  };
  s.roster.add(new Member(session as unknown as Session, { name: 'old', role: 'user', protocol: 1 }));
  const chat = s.context.chat;
  const lines = ['short', 'a somewhat longer line', 'x'.repeat(300)].map((text) => new Promise<void>((done) => chat.post(ann, text).onSettled(() => done())));
  await Promise.all(lines);
  assert.deepEqual(
    older.map((m) => Object.keys(m as object).sort().join(',')),
    ['from,text,time,type', 'from,text,time,type', 'from,text,time,type'],
    'protocol 1: no room, no id',
  );
  assert.deepEqual(
    current.map((m) => `${String(Reflect.get(m as object, 'room'))}:${String(Reflect.get(m as object, 'id'))}`),
    ['#lobby:1', '#lobby:2', '#lobby:3'],
  );
  // One send of the whole run; its largest frame (the last line's), not the run, meets the limit.
  assert.equal(sends.length, 1);
  const [send] = sends;
  assert.ok(send && send.largest !== undefined && send.largest < send.bytes && send.largest > 300);
});
