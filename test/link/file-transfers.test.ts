// File sharing end to end with real clients: room files between three people, resume after a
// killed client (upload and download) and after a server restart, files to one person that the
// server only ever holds as ciphertext, and chat that keeps flowing during a transfer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { directPair, fileClient, makeFile, sha256Of, sharedFiles, type FileClient } from '../helpers/files.js';
import { startTestServer, tempDir, waitUntil, within, type TestServer } from '../helpers/server.js';

const open: FileClient[] = [];
async function client(t: TestServer, name: string, options: Parameters<typeof fileClient>[2] = {}): Promise<FileClient> {
  const made = await fileClient(t, name, options);
  open.push(made);
  return made;
}

describe('file transfers', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(() => t.close());
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  test('a room file reaches two others, who download it intact', async () => {
    const [alice, bob, carol] = [await client(t, 'alice'), await client(t, 'bob'), await client(t, 'carol')];
    const source = makeFile(tempDir(), 'holiday photo.jpg', 1_500_000);
    assert.equal(await within(alice.transfers.send(source.path, { room: '#lobby' }), 30_000, 'the upload'), true);
    await waitUntil(() => sharedFiles(bob.messages).length > 0 && sharedFiles(carol.messages).length > 0, 5000, 'the file event');
    const shared = sharedFiles(bob.messages)[0];
    assert.ok(shared);
    assert.deepEqual([shared.name, shared.size, shared.sha256, shared.from, shared.room], ['holiday photo.jpg', 1_500_000, source.sha256, 'alice', '#lobby']);
    assert.ok(alice.notices.some((n) => n.type === 'sent' && n.id === shared.id));
    for (const downloader of [bob, carol]) {
      assert.equal(await within(downloader.transfers.get(shared.id), 30_000, 'the download'), true);
      const saved = downloader.notices.find((n) => n.type === 'saved');
      assert.ok(saved && saved.type === 'saved');
      assert.equal(saved.path, path.join(downloader.downloads, 'holiday photo.jpg'));
      assert.equal(sha256Of(saved.path), source.sha256);
      assert.deepEqual(fs.readdirSync(downloader.downloads), ['holiday photo.jpg'], 'no partial file is left behind');
    }
  });

  test('chat keeps flowing during an upload: a line typed mid-transfer arrives before the file does', async () => {
    const [alice, bob] = [await client(t, 'anna'), await client(t, 'bert')];
    const source = makeFile(tempDir(), 'big.bin', 16 * 1024 * 1024);
    const sending = alice.transfers.send(source.path, { room: '#lobby' });
    await waitUntil(() => alice.messages.some((m) => m.type === 'file-ack' && m.offset >= 1024 * 1024), 30_000, 'a megabyte confirmed');
    await alice.client.say('typed while uploading');
    assert.equal(await within(sending, 60_000, 'the upload'), true);
    await waitUntil(() => sharedFiles(bob.messages).length > 0, 5000, 'the file event');
    const order = bob.messages.flatMap((m) => (m.type === 'message' && m.text === 'typed while uploading' ? ['chat'] : m.type === 'file' ? ['file'] : []));
    assert.deepEqual(order, ['chat', 'file']);
  });

  test('a download never overwrites: the second copy is "name (1).ext"', async () => {
    const [alice, bob] = [await client(t, 'amy'), await client(t, 'bill')];
    const source = makeFile(tempDir(), 'notes.txt', 5000);
    await alice.transfers.send(source.path, { room: '#lobby' });
    await waitUntil(() => sharedFiles(bob.messages).length > 0);
    const id = sharedFiles(bob.messages)[0]?.id ?? 0;
    fs.writeFileSync(path.join(bob.downloads, 'notes.txt'), 'mine, do not touch');
    await bob.transfers.get(id);
    await bob.transfers.get(id);
    assert.equal(fs.readFileSync(path.join(bob.downloads, 'notes.txt'), 'utf8'), 'mine, do not touch');
    assert.equal(sha256Of(path.join(bob.downloads, 'notes (1).txt')), source.sha256);
    assert.equal(sha256Of(path.join(bob.downloads, 'notes (2).txt')), source.sha256);
    assert.deepEqual(
      bob.notices.flatMap((n) => (n.type === 'saved' ? [path.basename(n.path)] : [])),
      ['notes (1).txt', 'notes (2).txt'],
    );
  });

  test('the same download (or upload) asked for twice at once runs once', async () => {
    const [alice, bob] = [await client(t, 'abe'), await client(t, 'bo')];
    const source = makeFile(tempDir(), 'twice.bin', 2_000_000);
    const [first, second] = [alice.transfers.send(source.path, { room: '#lobby' }), alice.transfers.send(source.path, { room: '#LOBBY' })];
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.equal(sharedFiles(alice.messages).length, 1);
    await waitUntil(() => sharedFiles(bob.messages).length > 0);
    const id = sharedFiles(bob.messages)[0]?.id ?? 0;
    assert.deepEqual(await Promise.all([bob.transfers.get(id), bob.transfers.get(id)]), [true, true]);
    assert.deepEqual(fs.readdirSync(bob.downloads), ['twice.bin']);
    assert.deepEqual([alice, bob].map((c) => c.notices.filter((n) => n.type === 'error').map((n) => n.type === 'error' && n.code)), [['INVALID_ARGUMENT'], ['INVALID_ARGUMENT']]);
  });

  test('refusals come before a byte is sent; files to one person need the direct-message layer', async () => {
    const big = await startTestServer({ fileMaxBytes: 1000 });
    try {
      const alice = await client(big, 'ada');
      const source = makeFile(tempDir(), 'too-big.bin', 1001);
      assert.equal(await alice.transfers.send(source.path, { room: '#lobby' }), true, 'answered (refused)');
      const refusal = alice.messages.find((m) => m.type === 'error');
      assert.equal(refusal?.type === 'error' && refusal.code, 'FILE_TOO_LARGE');
      assert.equal(alice.messages.filter((m) => m.type === 'file-ack').length, 0);
      assert.equal(await alice.transfers.send(source.path, { to: 'someone' }), true);
      assert.deepEqual(alice.notices.map((n) => n.type === 'error' && n.code), ['DIRECT_FILES_UNAVAILABLE']);
      assert.equal(await alice.transfers.send(path.join(tempDir(), 'missing.txt'), { room: '#lobby' }), true);
      const last = alice.notices.at(-1);
      assert.equal(last?.type === 'error' && last.code, 'FILE_UNREADABLE');
    } finally {
      for (const c of open.splice(0)) c.close();
      await big.close();
    }
  });

  test('a file to one person: sealed on the sender, stored as ciphertext only, opened by the recipient', async () => {
    const dm = directPair();
    const [alice, bob, carol] = [await client(t, 'alma', { direct: dm.channel('alma') }), await client(t, 'bodo', { direct: dm.channel('bodo') }), await client(t, 'cleo', { direct: dm.channel('cleo') })];
    const marker = Buffer.from('PLAINTEXT-MARKER-THE-SERVER-MUST-NEVER-SEE-'.repeat(4));
    const plaintext = Buffer.concat([marker, Buffer.alloc(300_000, 7), marker]);
    const source = makeFile(tempDir(), 'secret-plans-for-bodo.pdf', plaintext.length, plaintext);
    assert.equal(await alice.transfers.send(source.path, { to: 'bodo' }), true);
    // What travels in the direct message: the real name, size and SHA-256, and the key.
    assert.equal(dm.sent.length, 1);
    const sent = dm.sent[0]?.file;
    assert.ok(sent);
    assert.deepEqual([dm.sent[0]?.to, sent.name, sent.size, sent.sha256], ['bodo', 'secret-plans-for-bodo.pdf', plaintext.length, source.sha256]);
    const local = alice.notices.find((n) => n.type === 'file');
    assert.deepEqual(local && local.type === 'file' && [local.to, local.name, local.id], ['bodo', 'secret-plans-for-bodo.pdf', Number(sent.id)]);
    // Nobody but the two was told, and the server never saw the name.
    assert.equal(sharedFiles(carol.messages).length, 0);
    assert.equal(sharedFiles(bob.messages).length, 0);
    assert.equal(await bob.transfers.get(Number(sent.id)), true);
    const saved = bob.notices.find((n) => n.type === 'saved');
    assert.ok(saved && saved.type === 'saved');
    assert.equal(path.basename(saved.path), 'secret-plans-for-bodo.pdf');
    assert.ok(fs.readFileSync(saved.path).equals(plaintext));
    // carol may not even fetch the ciphertext; without the key nobody could open it anyway.
    assert.equal(await carol.transfers.get(Number(sent.id)), true);
    assert.equal(carol.messages.some((m) => m.type === 'error' && m.code === 'NO_SUCH_FILE'), true);
    // The server's disk: no plaintext, no name — in the blobs, the database or its log.
    const scan = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? scan(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    for (const file of [...scan(t.dataDir), ...scan(t.logDir)]) {
      const bytes = fs.readFileSync(file);
      assert.equal(bytes.includes(marker.subarray(0, 40)), false, `plaintext in ${file}`);
      assert.equal(bytes.includes(Buffer.from('secret-plans-for-bodo')), false, `the name in ${file}`);
    }
    const listed = await alice.client.exchange((id) => ({ type: 'command', id, name: 'files', args: '@bodo' }));
    assert.deepEqual(listed?.type === 'files' && listed.files.map((f) => [f.id, f.name, f.to]), [[Number(sent.id), '', 'bodo']]);
  });
});

describe('file transfers across a server restart', () => {
  test('an upload and a download in progress resume by themselves once the server is back', async () => {
    const base = tempDir();
    let t = await startTestServer({}, base);
    const port = t.port;
    try {
      const alice = await client(t, 'alice', { reconnect: true });
      const bob = await client(t, 'bob', { reconnect: true });
      const source = makeFile(tempDir(), 'restart.bin', 24 * 1024 * 1024);
      const sending = alice.transfers.send(source.path, { room: '#lobby' });
      await waitUntil(() => fs.readdirSync(path.join(t.dataDir, 'files', 'partial')).some((f) => fs.statSync(path.join(t.dataDir, 'files', 'partial', f)).size > 2 * 1024 * 1024), 60_000, 'part of the upload on disk');
      await t.close();
      t = await startTestServer({ port }, base);
      assert.equal(await within(sending, 90_000, 'the resumed upload'), true);
      const offers = alice.messages.filter((m) => m.type === 'file-accepted');
      assert.equal(offers.length, 2, 'offered again after the reconnect');
      const second = offers[1];
      assert.ok(second?.type === 'file-accepted' && second.offset > 0, 'and resumed, not restarted');
      await waitUntil(() => sharedFiles(bob.messages).length > 0, 10_000, 'bob sees the file');
      const id = sharedFiles(bob.messages)[0]?.id ?? 0;
      // Now the download: interrupted by a second restart once some of it is saved.
      const getting = bob.transfers.get(id);
      await waitUntil(() => bob.messages.filter((m) => m.type === 'file-data').length > 40, 60_000, 'part of the download');
      await t.close();
      t = await startTestServer({ port }, base);
      assert.equal(await within(getting, 90_000, 'the resumed download'), true);
      const starts = bob.messages.filter((m) => m.type === 'file-start');
      const lastStart = starts.at(-1);
      assert.ok(starts.length >= 2 && lastStart?.type === 'file-start' && lastStart.offset > 0, 'the download resumed from its partial file');
      assert.equal(sha256Of(path.join(bob.downloads, 'restart.bin')), source.sha256);
    } finally {
      for (const c of open.splice(0)) c.close();
      await t.close();
    }
  });
});
