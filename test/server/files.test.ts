// The server's side of file sharing, at the protocol level: offers refused early by every limit
// and quota, chunks at confirmed offsets, the SHA-256 check, hostile names, a full disk in the
// middle of an upload, expiry of old files and stale partial uploads, a slow downloader that
// cannot grow server memory, root's commands, and clients too old to know files.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { DEFAULT_FLOOD_LIMITS, ROOT_PASSWORD, everyoneGone, serverFor, waitUntil, type TestServer } from '../helpers/server.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

/** A protocol-3 user, logged in and synced. */
async function v3(t: TestServer, name: string): Promise<RawClient & { nextRequest: () => number }> {
  const client = await RawClient.connect(t.port);
  client.versions = [1, 2, 3];
  await client.login(name);
  await client.waitFor('synced');
  let id = 1000;
  return Object.assign(client, { nextRequest: () => id++ });
}

async function rootConsole(t: TestServer): Promise<RawClient> {
  const root = await RawClient.connect(t.port);
  root.versions = [1, 2, 3];
  await root.login('boss', { role: 'root', rootPassword: ROOT_PASSWORD });
  return root;
}

function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

type Offer = { room?: string; to?: string; name?: string; size: number; sha256?: string; resume?: number };

/** Send an offer; the answer (file-accepted or error). */
async function offer(client: Awaited<ReturnType<typeof v3>>, fields: Offer): Promise<ServerMessage> {
  const id = client.nextRequest();
  client.send({ type: 'file-offer', id, ...fields });
  return client.answer(id);
}

/** Offer `bytes` to a room and send every chunk; resolves with the answer to the offer. */
async function upload(client: Awaited<ReturnType<typeof v3>>, bytes: Buffer, fields: Partial<Offer> = {}): Promise<Of<'file-accepted'>> {
  const answer = await offer(client, { room: '#lobby', name: 'data.bin', size: bytes.length, sha256: sha256(bytes), ...fields });
  assert.equal(answer.type, 'file-accepted', JSON.stringify(answer));
  const accepted = answer;
  for (let at = accepted.offset; at < bytes.length; at += accepted.chunkBytes) {
    client.send({ type: 'file-chunk', file: accepted.file, offset: at, data: bytes.subarray(at, at + accepted.chunkBytes).toString('base64') });
  }
  return accepted;
}

/** Download a file completely with a raw client. */
async function download(client: Awaited<ReturnType<typeof v3>>, file: number, offset = 0): Promise<Buffer> {
  const id = client.nextRequest();
  const mark = client.received.length;
  client.send({ type: 'file-get', id, file, offset });
  const start = await client.answer(id);
  assert.equal(start.type, 'file-start', JSON.stringify(start));
  await client.waitFor('file-end', (m) => m.file === file && client.received.indexOf(m) > mark, 20_000);
  const parts = client.received.slice(mark).filter((m): m is Of<'file-data'> => m.type === 'file-data' && m.file === file);
  return Buffer.concat(parts.map((m) => Buffer.from(m.data, 'base64')));
}

function filesOnDisk(t: TestServer, kind: 'blobs' | 'partial'): string[] {
  const root = path.join(t.dataDir, 'files', kind);
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
  return fs.existsSync(root) ? walk(root) : [];
}

describe('files: offers, chunks and checks', () => {
  test('an upload is confirmed chunk by chunk, published once its SHA-256 matches, and downloads intact (also from an offset)', async (tc) => {
    const t = await serverFor(tc);
    const [ann, ben] = [await v3(t, 'ann'), await v3(t, 'ben')];
    const bytes = crypto.randomBytes(200_000);
    const accepted = await upload(ann, bytes);
    assert.equal(accepted.offset, 0);
    assert.ok(accepted.chunkBytes <= 32 * 1024 && accepted.chunkBytes * 1.34 + 200 < t.settings.maxFrameBytes, 'a chunk in base64 is well under the frame limit');
    const shared = await ben.waitFor('file', (m) => m.id === accepted.file);
    assert.deepEqual([shared.from, shared.name, shared.size, shared.sha256, shared.room], ['ann', 'data.bin', 200_000, sha256(bytes), '#lobby']);
    await ann.waitFor('file', (m) => m.id === accepted.file);
    const acks = ann.received.filter((m): m is Of<'file-ack'> => m.type === 'file-ack' && m.file === accepted.file).map((m) => m.offset);
    assert.equal(acks.at(-1), 200_000);
    assert.deepEqual(acks, [...acks].sort((a, b) => a - b), 'offsets only grow');
    assert.ok((await download(ben, accepted.file)).equals(bytes));
    assert.ok((await download(ben, accepted.file, 150_001)).equals(bytes.subarray(150_001)));
    // Content-addressed: the blob is named by its hash, and no partial file is left.
    assert.deepEqual(filesOnDisk(t, 'blobs').map((file) => path.basename(file)), [sha256(bytes)]);
    assert.deepEqual(filesOnDisk(t, 'partial'), []);
    // Sharing the same bytes again stores them once.
    const again = await upload(ben, bytes, { name: 'copy.bin' });
    await ben.waitFor('file', (m) => m.id === again.file);
    assert.equal(filesOnDisk(t, 'blobs').length, 1);
    const listed = await ann.answer(ann.command('files', '#lobby'));
    assert.equal(listed.type, 'files');
    assert.deepEqual(listed.type === 'files' && listed.files.map((f) => [f.id, f.name, f.from]), [
      [again.file, 'copy.bin', 'ben'],
      [accepted.file, 'data.bin', 'ann'],
    ]);
  });

  test('a file that does not match its declared SHA-256 is refused and removed', async (tc) => {
    const t = await serverFor(tc);
    const [ann, ben] = [await v3(t, 'ann'), await v3(t, 'ben')];
    const bytes = crypto.randomBytes(70_000);
    const accepted = await upload(ann, bytes, { sha256: sha256(Buffer.from('something else')) });
    const failed = await ann.waitFor('file-failed', (m) => m.file === accepted.file);
    assert.equal(failed.code, 'FILE_HASH_MISMATCH');
    assert.equal(ben.received.filter((m) => m.type === 'file').length, 0, 'nobody was told');
    assert.deepEqual([...filesOnDisk(t, 'partial'), ...filesOnDisk(t, 'blobs')], []);
    assert.equal(outcome(await ben.answer(ben.command('unshare', String(accepted.file)))), 'NO_SUCH_FILE');
  });

  test('a chunk at the wrong offset stops the upload; offering again resumes where the server stands', async (tc) => {
    const t = await serverFor(tc);
    const ann = await v3(t, 'ann');
    const bytes = crypto.randomBytes(100_000);
    const accepted = (await offer(ann, { room: '#lobby', name: 'x.bin', size: bytes.length, sha256: sha256(bytes) })) as Of<'file-accepted'>;
    const chunk = accepted.chunkBytes;
    ann.send({ type: 'file-chunk', file: accepted.file, offset: 0, data: bytes.subarray(0, chunk).toString('base64') });
    await ann.waitFor('file-ack', (m) => m.offset === chunk);
    ann.send({ type: 'file-chunk', file: accepted.file, offset: chunk + 5, data: bytes.subarray(chunk + 5, chunk + 10).toString('base64') });
    assert.equal((await ann.waitFor('file-failed', (m) => m.file === accepted.file)).code, 'FILE_OFFSET_MISMATCH');
    const resumed = await upload(ann, bytes, { name: 'x.bin' });
    assert.deepEqual([resumed.file, resumed.offset], [accepted.file, chunk]);
    await ann.waitFor('file', (m) => m.id === accepted.file);
  });

  test('full-size chunks do not count against the frame budget, tiny ones do: a 1-byte-chunk flood is FLOODING', async (tc) => {
    // The real frame budget (feature tests raise the request rates it is sized from).
    const t = await serverFor(tc, DEFAULT_FLOOD_LIMITS);
    const [ann, ben] = [await v3(t, 'ann'), await v3(t, 'ben')];
    // 3 MiB in full-size chunks (about 100 frames, twice the bucket's burst), sent as the client
    // does (a window of 8 chunks in flight), is published.
    const big = crypto.randomBytes(3 * 1024 * 1024);
    const accepted = (await offer(ann, { room: '#lobby', name: 'big.bin', size: big.length, sha256: sha256(big) })) as Of<'file-accepted'>;
    assert.equal(accepted.type, 'file-accepted');
    const step = accepted.chunkBytes;
    for (let group = 0; group < big.length; group += 8 * step) {
      const end = Math.min(group + 8 * step, big.length);
      for (let at = group; at < end; at += step) ann.send({ type: 'file-chunk', file: accepted.file, offset: at, data: big.subarray(at, at + step).toString('base64') });
      await ann.waitFor('file-ack', (m) => m.file === accepted.file && m.offset === end, 10_000);
    }
    await ann.waitFor('file', (m) => m.id === accepted.file, 30_000);
    // Paced 1-byte chunks (10 every 5 ms) would each buy a free frame if refunded: they must not.
    const small = crypto.randomBytes(5000);
    const tiny = (await offer(ben, { room: '#lobby', name: 'tiny.bin', size: small.length, sha256: sha256(small) })) as Of<'file-accepted'>;
    assert.equal(tiny.type, 'file-accepted');
    const flooded = ben.waitFor('error', (m) => m.code === 'FLOODING', 20_000);
    for (let at = 0; at < small.length && !ben.closed; at += 10) {
      for (let i = at; i < Math.min(at + 10, small.length); i += 1) ben.send({ type: 'file-chunk', file: tiny.file, offset: i, data: small.subarray(i, i + 1).toString('base64') });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal((await flooded).code, 'FLOODING');
  });

  test('hostile names are made safe before anyone sees them', async (tc) => {
    const t = await serverFor(tc);
    const ann = await v3(t, 'ann');
    const cases: [string, string][] = [
      ['../../etc/passwd', 'passwd'],
      ['..', 'file'],
      ['evil\u202Egpj.exe', 'evilgpj.exe'],
      ['CON', '_CON'],
      ['nul.txt', '_nul.txt'],
      ['trailing. . ', 'trailing'],
      ['a\u0000b\u001bc\nd', 'abcd'],
      ['C:\\Windows\\system32', 'system32'],
      ['C:drive.txt', 'C_drive.txt'],
      ['.bashrc', 'bashrc'],
    ];
    for (const [index, [hostile, safe]] of cases.entries()) {
      const bytes = Buffer.from(`file ${index}`);
      const accepted = await upload(ann, bytes, { name: hostile });
      const shared = await ann.waitFor('file', (m) => m.id === accepted.file);
      assert.equal(shared.name, safe, hostile);
    }
    const long = await upload(ann, Buffer.from('long'), { name: 'x'.repeat(600) + '.tar.gz' });
    const shared = await ann.waitFor('file', (m) => m.id === long.file);
    assert.ok(Buffer.byteLength(shared.name) <= 200 && shared.name.endsWith('.gz'), shared.name);
  });
});

describe('files: limits and quotas', () => {
  test('every limit refuses the offer before a byte is sent, with its own code', async (tc) => {
    let disk = { total: 10_000_000, free: 10_000_000 };
    // The disk the server sees is the test's: asked at each offer.
    const fileHooks = { diskSpace: () => Promise.resolve(disk) };
    const t = await serverFor(tc, { fileMaxBytes: 50_000, fileUserQuotaBytes: 80_000, fileTotalBytes: 150_000, fileMinFreePercent: 10, fileTransfersPerSession: 2 }, undefined, { fileHooks });
    const [ann, ben, cat] = [await v3(t, 'ann'), await v3(t, 'ben'), await v3(t, 'cat')];
    const size = (n: number): Offer => ({ room: '#lobby', name: 'f.bin', size: n, sha256: sha256(Buffer.from(String(n) + Math.random())) });

    assert.equal(outcome(await offer(ann, size(50_001))), 'FILE_TOO_LARGE');
    // Per user: 80,000 bytes, uploads in progress included.
    assert.equal(outcome(await offer(ann, size(50_000))), 'file-accepted');
    assert.equal(outcome(await offer(ann, size(40_000))), 'FILE_QUOTA_EXCEEDED');
    // Per session: 2 transfers at once.
    assert.equal(outcome(await offer(ann, size(10_000))), 'file-accepted');
    assert.equal(outcome(await offer(ann, size(10_000))), 'TOO_MANY_TRANSFERS');
    // Server-wide: 150,000 bytes (ann has 60,000 reserved).
    assert.equal(outcome(await offer(ben, size(50_000))), 'file-accepted');
    assert.equal(outcome(await offer(cat, size(45_000))), 'FILE_STORAGE_FULL');
    // The disk: 10% must stay free.
    disk = { total: 1_000_000, free: 229_999 };
    assert.equal(outcome(await offer(cat, size(20_000))), 'FILE_STORAGE_FULL', '229,999 free - 110,000 reserved - 20,000 < 100,000');
    disk = { total: 1_000_000, free: 300_000 };
    assert.equal(outcome(await offer(cat, size(20_000))), 'file-accepted');
    // Nothing refused left a row behind.
    assert.equal(t.server.store.db.prepare('SELECT COUNT(*) FROM files').pluck().get(), 4);
    // Wrong targets.
    assert.equal(outcome(await offer(cat, { ...size(10), room: '#nowhere' })), 'NO_SUCH_ROOM');
    assert.equal(outcome(await offer(cat, { ...size(10), room: undefined, to: 'nobody-here' })), 'NO_SUCH_USER');
    assert.equal(outcome(await offer(cat, { ...size(10), room: undefined, to: 'cat' })), 'INVALID_ARGUMENT');
    assert.equal(outcome(await offer(cat, { ...size(10), to: 'ann' })), 'INVALID_ARGUMENT', 'a room and a person');
  });

  test('a session stops a transfer with file-cancel and its slot is free again', async (tc) => {
    const t = await serverFor(tc, { fileTransfersPerSession: 1 });
    const ann = await v3(t, 'ann');
    const first = (await offer(ann, { room: '#lobby', name: 'a', size: 10, sha256: sha256(Buffer.from('0123456789')) })) as Of<'file-accepted'>;
    assert.equal(outcome(await offer(ann, { room: '#lobby', name: 'b', size: 5, sha256: sha256(Buffer.from('abcde')) })), 'TOO_MANY_TRANSFERS');
    ann.send({ type: 'file-cancel', file: first.file });
    assert.equal(outcome(await offer(ann, { room: '#lobby', name: 'b', size: 5, sha256: sha256(Buffer.from('abcde')) })), 'file-accepted');
  });

  test('file sharing can be switched off', async (tc) => {
    const t = await serverFor(tc, { filesEnabled: false });
    const ann = await v3(t, 'ann');
    assert.equal(outcome(await offer(ann, { room: '#lobby', name: 'a', size: 1, sha256: sha256(Buffer.from('a')) })), 'FILES_OFF');
  });

  test('clients older than protocol 3 are refused and never see a file event', async (tc) => {
    const t = await serverFor(tc);
    const old = await RawClient.connect(t.port);
    old.versions = [1, 2];
    await old.login('old');
    await old.waitFor('synced');
    old.send({ type: 'file-offer', id: 5, room: '#lobby', name: 'a', size: 1, sha256: sha256(Buffer.from('a')) });
    assert.equal(outcome(await old.answer(5)), 'CLIENT_TOO_OLD');
    assert.equal(outcome(await old.answer(old.command('files'))), 'CLIENT_TOO_OLD');
    const ann = await v3(t, 'ann');
    const accepted = await upload(ann, Buffer.from('hello'));
    await ann.waitFor('file', (m) => m.id === accepted.file);
    await old.answer(old.command('online'));
    assert.equal(old.received.filter((m) => m.type === 'file').length, 0);
  });
});

describe('files: a full disk', () => {
  test('a write failing with ENOSPC mid-upload removes the partial file, says so, and breaks nothing else', async (tc) => {
    let full = false;
    // Like /dev/full: once `full`, every write fails with ENOSPC.
    const fileHooks = {
      beforeWrite: (_id: number, offset: number) => {
        if (full && offset > 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
    };
    const t = await serverFor(tc, {}, undefined, { fileHooks });
    const [ann, ben, root] = [await v3(t, 'ann'), await v3(t, 'ben'), await rootConsole(t)];
    const bytes = crypto.randomBytes(300_000);
    const accepted = (await offer(ann, { room: '#lobby', name: 'big.bin', size: bytes.length, sha256: sha256(bytes) })) as Of<'file-accepted'>;
    ann.send({ type: 'file-chunk', file: accepted.file, offset: 0, data: bytes.subarray(0, accepted.chunkBytes).toString('base64') });
    await ann.waitFor('file-ack', (m) => m.file === accepted.file);
    full = true;
    ann.send({ type: 'file-chunk', file: accepted.file, offset: accepted.chunkBytes, data: bytes.subarray(accepted.chunkBytes, 2 * accepted.chunkBytes).toString('base64') });
    const failed = await ann.waitFor('file-failed', (m) => m.file === accepted.file);
    assert.equal(failed.code, 'FILE_DISK_FULL');
    assert.match(failed.message, /removed/);
    assert.deepEqual(filesOnDisk(t, 'partial'), [], 'the partial file is gone');
    assert.equal(t.server.store.db.prepare('SELECT COUNT(*) FROM files').pluck().get(), 0);
    const notice = await root.waitFor('notice', (m) => m.text.includes('shared file'));
    assert.match(notice.text, /disk is full/);
    // Chat goes on, and a new upload works once there is room again.
    await ben.answer(ben.say('still here'));
    await ann.waitFor('message', (m) => m.text === 'still here');
    full = false;
    const again = await upload(ann, bytes);
    assert.notEqual(again.file, accepted.file);
    await ann.waitFor('file', (m) => m.id === again.file);
  });
});

describe('files: expiry', () => {
  test('files past retention and partial uploads idle for a day are removed by the sweep; active ones stay', async (tc) => {
    let now = Date.now();
    const t = await serverFor(tc, { fileRetentionDays: 30, filePartialExpiryHours: 24 }, undefined, { now: () => now });
    const files = t.server.services.files;
    const [ann, ben] = [await v3(t, 'ann'), await v3(t, 'ben')];
    const kept = crypto.randomBytes(1000);
    const shared = await upload(ann, kept);
    await ann.waitFor('file', (m) => m.id === shared.file);
    // ben starts an upload and leaves; ann starts one and stays.
    const idle = crypto.randomBytes(100_000);
    const benOffer = (await offer(ben, { room: '#lobby', name: 'idle.bin', size: idle.length, sha256: sha256(idle) })) as Of<'file-accepted'>;
    ben.send({ type: 'file-chunk', file: benOffer.file, offset: 0, data: idle.subarray(0, 1000).toString('base64') });
    await ben.waitFor('file-ack');
    ben.destroy();
    await waitUntil(() => t.server.onlineNames().length === 1);
    const annOffer = (await offer(ann, { room: '#lobby', name: 'busy.bin', size: idle.length, sha256: sha256(Buffer.from('other')) })) as Of<'file-accepted'>;
    assert.equal(filesOnDisk(t, 'partial').length, 2);

    now += 23 * 3_600_000;
    await files.sweep();
    assert.equal(filesOnDisk(t, 'partial').length, 2, 'a day has not passed');
    now += 2 * 3_600_000;
    await files.sweep();
    assert.deepEqual(filesOnDisk(t, 'partial').map((file) => path.basename(file)), [`${annOffer.file}.part`], 'the idle upload went; the active one stays');
    assert.equal(t.server.store.db.prepare('SELECT COUNT(*) FROM files WHERE id = ?').pluck().get(benOffer.file), 0);
    assert.equal(filesOnDisk(t, 'blobs').length, 1, 'a shared file is kept for 30 days');

    now += 31 * 86_400_000;
    await files.sweep();
    assert.deepEqual(filesOnDisk(t, 'blobs'), []);
    const list = await ann.answer(ann.command('files'));
    assert.deepEqual(list.type === 'files' && list.files, []);
  });
});

describe('files: a slow downloader', () => {
  test('a client that stops reading holds at most one send budget of a download in server memory; others chat on', async (tc) => {
    const t = await serverFor(tc);
    const [ann, slow, ben] = [await v3(t, 'ann'), await v3(t, 'slow'), await v3(t, 'ben')];
    const bytes = crypto.randomBytes(12 * 1024 * 1024);
    const accepted = await upload(ann, bytes, { name: 'big.bin' });
    await ann.waitFor('file', (m) => m.id === accepted.file, 60_000);
    const session = t.server.sessionFor('slow');
    assert.ok(session);
    slow.socket.pause();
    const id = slow.nextRequest();
    slow.send({ type: 'file-get', id, file: accepted.file, offset: 0 });
    // Wait until the server is blocked on this client: its unsent output stops changing.
    let last = -1;
    let stableSince = Date.now();
    await waitUntil(
      () => {
        const unsent = session.unsentBytes;
        if (unsent !== last) [last, stableSince] = [unsent, Date.now()];
        return unsent > 0 && Date.now() - stableSince > 300;
      },
      30_000,
      'the download to stall',
    );
    const budget = t.server.limits.fileSendBudgetBytes;
    assert.ok(session.unsentBytes <= budget + 64 * 1024, `unsent ${session.unsentBytes} stays within the budget ${budget} and one chunk`);
    assert.equal(session.isOpen, true, 'not cut off as a slow reader');
    // Meanwhile the others chat.
    await ann.answer(ann.say('chat goes on'));
    await ben.waitFor('message', (m) => m.text === 'chat goes on');
    slow.socket.resume();
    await slow.waitFor('file-end', (m) => m.file === accepted.file, 60_000);
    const data = Buffer.concat(slow.received.filter((m): m is Of<'file-data'> => m.type === 'file-data').map((m) => Buffer.from(m.data, 'base64')));
    assert.equal(sha256(data), sha256(bytes));
    await slow.waitFor('message', (m) => m.text === 'chat goes on');
  });
});

describe('files: root', () => {
  test('files [n], delete-file and stats show and manage storage per user and in total; /unshare follows ownership', async (tc) => {
    const t = await serverFor(tc);
    const [ann, ben, root] = [await v3(t, 'ann'), await v3(t, 'ben'), await rootConsole(t)];
    const small = await upload(ann, Buffer.alloc(1000, 1), { name: 'small.txt' });
    const large = await upload(ben, Buffer.alloc(5000, 2), { name: 'large.txt' });
    await ann.waitFor('file', (m) => m.id === small.file);
    await ann.waitFor('file', (m) => m.id === large.file);
    const listing = await root.answer(root.command('files', '5'));
    assert.ok(listing.type === 'result' && listing.rows);
    assert.deepEqual(
      listing.rows.map((row) => [row[0], row[1], row[3], row[4]]),
      [
        [String(large.file), 'large.txt', 'ben', '#lobby'],
        [String(small.file), 'small.txt', 'ann', '#lobby'],
      ],
    );
    const stats = await root.answer(root.command('stats'));
    assert.ok(stats.type === 'result' && stats.lines);
    assert.ok(stats.lines.some((line) => /^Files: 2 stored, 6\.0 kB/.test(line)), JSON.stringify(stats.lines));
    assert.ok(stats.lines.some((line) => line.includes('ben 5.0 kB (1)') && line.includes('ann 1.0 kB (1)')), JSON.stringify(stats.lines));
    // Only the uploader (or the room owner, or root) may remove a file.
    assert.equal(outcome(await ben.answer(ben.command('unshare', String(small.file)))), 'NOT_PERMITTED');
    assert.equal(outcome(await ann.answer(ann.command('unshare', String(small.file)))), 'ack');
    assert.equal(outcome(await root.answer(root.command('delete-file', String(large.file)))), 'ack');
    assert.equal(outcome(await root.answer(root.command('delete-file', String(large.file)))), 'NO_SUCH_FILE');
    assert.deepEqual(filesOnDisk(t, 'blobs'), []);
    ann.destroy();
    ben.destroy();
    await everyoneGone(t);
  });
});
