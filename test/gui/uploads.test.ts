// Uploads from a page, attacked over the page's own WebSocket (no browser): bytes for no upload,
// a declared size over the limit, path tricks in the name, more bytes than declared, a flood of
// binary frames, a page that leaves mid-upload. Each is answered, nothing lands outside the
// private upload folder, every temporary copy is removed, and the program keeps serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startGui, type GuiApp } from '../../src/gui/run-gui.js';
import { UPLOAD_CHUNK_BYTES } from '../../src/gui/upload-frames.js';
import { exchange, openPage, pageHeaders, type PageSocket } from '../helpers/gui.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const MAX_UPLOAD = 256 * 1024;

function frame(upload: number, bytes: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(upload, 0);
  return Buffer.concat([head, bytes]);
}

describe('uploads from a page', () => {
  const base = tempDir();
  const uploadDir = path.join(base, 'uploads');
  let t: TestServer;
  let app: GuiApp;
  let cookie: string;
  const pages: PageSocket[] = [];

  const page = async (): Promise<PageSocket> => {
    const socket = openPage(app.server.port, pageHeaders(app.server.port, cookie));
    pages.push(socket);
    await socket.opened;
    await socket.waitFor('hello');
    return socket;
  };

  before(async () => {
    fs.mkdirSync(uploadDir);
    t = await startTestServer({ maxSessionsPerAddress: 100 }, path.join(base, 'server'));
    app = await startGui({
      connect: (passkey) => Promise.resolve({ pin: { targets: [{ host: '127.0.0.1', port: t.port }], fingerprints: [t.fingerprint] }, credentials: { passkey } }),
      downloadsDir: path.join(base, 'Downloads'),
      uploadDir,
      maxUploadBytes: MAX_UPLOAD,
      limits: { maxViolations: 6 },
    });
    cookie = await exchange(app.url);
    const first = await page();
    first.send({ type: 'login', passkey: PASSKEY, name: 'carol' });
    await first.waitFor('phase', (event) => event.phase === 'chat', 20_000);
  });

  after(async () => {
    for (const socket of pages) socket.close();
    await app?.close();
    await t?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('bytes for no upload, or without the upload number, are refused', async () => {
    const socket = await page();
    socket.ws.send(frame(77, Buffer.from('hello')));
    await socket.waitFor('problem', (event) => event.code === 'BAD_MESSAGE' && event.message.includes('No such upload'));
    socket.ws.send(Buffer.from([1, 2]));
    await socket.waitFor('problem', (event) => event.message.includes('4 bytes of upload number'));
    assert.deepEqual(fs.readdirSync(uploadDir), []);
  });

  test('a declared size over the limit is refused before a byte is stored', async () => {
    const socket = await page();
    socket.send({ type: 'upload-start', upload: 1, name: 'big.iso', size: MAX_UPLOAD + 1, room: '#lobby' });
    const refused = await socket.waitFor('upload', (event) => event.upload === 1);
    assert.equal(refused.state, 'refused');
    assert.equal(refused.code, 'FILE_TOO_LARGE');
    assert.equal(refused.message, 'That file is too large: at most 256 KiB can be shared.');
    assert.deepEqual(fs.readdirSync(uploadDir), []);
    // A negative or fractional size, or both a room and a person, is not even a request.
    socket.send({ type: 'upload-start', upload: 2, name: 'x', size: -1, room: '#lobby' });
    await socket.waitFor('problem', (event) => event.code === 'BAD_MESSAGE');
    socket.send({ type: 'upload-start', upload: 3, name: 'x', size: 1, room: '#lobby', to: 'bob' });
    await socket.waitFor('upload', (event) => event.upload === 3 && event.state === 'refused');
  });

  test('path tricks in a name: the file keeps only a safe last part, stored inside the private folder', async () => {
    const socket = await page();
    const names = [
      ['../../../../evil.sh', 'evil.sh'],
      ['C:\\Windows\\..\\notes.txt', 'notes.txt'],
      ['con.txt', '_con.txt'],
    ] as const;
    let upload = 10;
    for (const [name, safe] of names) {
      upload += 1;
      const bytes = Buffer.from(`contents of ${safe}`);
      socket.send({ type: 'upload-start', upload, name, size: bytes.length, room: '#lobby' });
      await socket.waitFor('upload', (event) => event.upload === upload && event.state === 'receiving');
      socket.ws.send(frame(upload, bytes));
      const done = await socket.waitFor('upload', (event) => event.upload === upload && (event.state === 'done' || event.state === 'refused'), 20_000);
      assert.equal(done.state, 'done', `${name}: ${done.message ?? ''}`);
      await socket.waitFor('entries', (event) => event.entries.some((entry) => entry.kind === 'file' && entry.name === safe));
    }
    assert.equal(fs.existsSync(path.join(base, 'evil.sh')), false);
    assert.equal(fs.existsSync(path.resolve(uploadDir, '../../../../evil.sh')), false);
    await waitUntil(() => fs.readdirSync(uploadDir).length === 0, 10_000, 'every copy removed');
  });

  test('more bytes than declared end the upload and delete what came', async () => {
    const socket = await page();
    socket.send({ type: 'upload-start', upload: 21, name: 'short.txt', size: 10, room: '#lobby' });
    await socket.waitFor('upload', (event) => event.upload === 21 && event.state === 'receiving');
    socket.ws.send(frame(21, Buffer.alloc(11)));
    const refused = await socket.waitFor('upload', (event) => event.upload === 21 && event.state === 'refused');
    assert.equal(refused.code, 'BAD_MESSAGE');
    await socket.waitFor('problem', (event) => event.message === 'More bytes than announced.');
    await waitUntil(() => fs.readdirSync(uploadDir).length === 0, 10_000, 'the copy removed');
  });

  test('a flood of binary frames is cut off (1008); the program keeps serving', async () => {
    const socket = await page();
    socket.send({ type: 'upload-start', upload: 31, name: 'flood.bin', size: MAX_UPLOAD, room: '#lobby' });
    await socket.waitFor('upload', (event) => event.upload === 31 && event.state === 'receiving');
    // Far beyond the window and the declared size, without waiting for acknowledgements.
    for (let i = 0; i < 40; i++) socket.ws.send(frame(31, Buffer.alloc(UPLOAD_CHUNK_BYTES)));
    const closed = await socket.closed;
    assert.equal(closed.code, 1008);
    await waitUntil(() => fs.readdirSync(uploadDir).length === 0 && app.bridge.uploads.receiving === 0, 10_000, 'the copy removed');
    const again = await page();
    again.send({ type: 'list-rooms' });
    await again.waitFor('room-list');
  });

  test('a page that leaves mid-upload leaves nothing behind', async () => {
    const socket = await page();
    socket.send({ type: 'upload-start', upload: 41, name: 'half.bin', size: 100_000, room: '#lobby' });
    await socket.waitFor('upload', (event) => event.upload === 41 && event.state === 'receiving');
    socket.ws.send(frame(41, Buffer.alloc(1000)));
    await socket.waitFor('upload', (event) => event.upload === 41 && event.received === 1000);
    assert.equal(fs.readdirSync(uploadDir).length, 1);
    socket.close();
    await waitUntil(() => fs.readdirSync(uploadDir).length === 0 && app.bridge.uploads.receiving === 0, 10_000, 'the copy removed');
  });
});
