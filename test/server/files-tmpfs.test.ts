// A real full disk: the server's files/ folder on a 3 MiB tmpfs. An upload that does not leave
// 10% of it free is refused before a byte is sent; one that fills it up halfway is stopped, its
// partial file removed, and the uploader told; once there is room again, the same upload works.
// Mounting needs root (CAP_SYS_ADMIN): without it the test is skipped; files.test.ts covers the
// same path with an injected ENOSPC.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { serverFor, tempDir } from '../helpers/server.js';

function tryMount(dir: string, size: string): boolean {
  fs.mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]).status === 0;
}

const probe = tempDir('party-pool-tmpfs-probe-');
const canMount = tryMount(probe, '64k');
if (canMount) spawnSync('umount', [probe]);
fs.rmSync(probe, { recursive: true, force: true });

describe('files on a disk that fills up (tmpfs)', { skip: canMount ? false : 'cannot mount a tmpfs here (needs root)' }, () => {
  test('refused early when it would not leave 10% free; a disk filling mid-upload removes the partial file', async (tc) => {
    const base = tempDir();
    const filesDir = path.join(base, 'data', 'files');
    assert.ok(tryMount(filesDir, '3m'));
    tc.after(() => void spawnSync('umount', ['-l', filesDir]));
    const t = await serverFor(tc, {}, base);
    const ann = await RawClient.connect(t.port);
    ann.versions = [1, 2, 3];
    await ann.login('ann');
    await ann.waitFor('synced');
    const offer = (id: number, bytes: Buffer): void => ann.send({ type: 'file-offer', id, room: '#lobby', name: 'f.bin', size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') });

    // 3 MiB disk, 10% kept free: 2.9 MiB does not fit.
    offer(1, crypto.randomBytes(2_900_000));
    const refused = await ann.answer(1);
    assert.equal(refused.type === 'error' && refused.code, 'FILE_STORAGE_FULL');

    const bytes = crypto.randomBytes(2 * 1024 * 1024);
    offer(2, bytes);
    const accepted = await ann.answer(2);
    assert.ok(accepted.type === 'file-accepted');
    const send = (from: number): void => {
      for (let at = from; at < bytes.length; at += accepted.chunkBytes) ann.send({ type: 'file-chunk', file: accepted.file, offset: at, data: bytes.subarray(at, at + accepted.chunkBytes).toString('base64') });
    };
    ann.send({ type: 'file-chunk', file: accepted.file, offset: 0, data: bytes.subarray(0, accepted.chunkBytes).toString('base64') });
    await ann.waitFor('file-ack', (m) => m.file === accepted.file);
    // Someone else fills the disk.
    const filler = path.join(filesDir, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
    send(accepted.chunkBytes);
    const failed = await ann.waitFor('file-failed', (m) => m.file === accepted.file, 20_000);
    assert.equal(failed.code, 'FILE_DISK_FULL');
    assert.deepEqual(fs.readdirSync(path.join(filesDir, 'partial')), [], 'the partial file was removed');
    // Room again: the same file goes through (as a new upload).
    fs.rmSync(filler);
    offer(3, bytes);
    const again = await ann.answer(3);
    assert.ok(again.type === 'file-accepted' && again.offset === 0);
    for (let at = 0; at < bytes.length; at += again.chunkBytes) ann.send({ type: 'file-chunk', file: again.file, offset: at, data: bytes.subarray(at, at + again.chunkBytes).toString('base64') });
    const shared: ServerMessage = await ann.waitFor('file', (m) => m.id === again.file, 20_000);
    assert.equal(shared.type === 'file' && shared.size, bytes.length);
    ann.destroy();
  });
});
