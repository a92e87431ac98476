// The file messages' pure parts: the hand-built data frame is exactly what encodeFrame makes, a
// chunk that is not canonical base64 is caught without a regex, and the schemas bound every field.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { MAX_FILE_CHUNK_BYTES, decodeChunk, encodeFileFrame } from '../../src/protocol/files.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { parseClientMessage, parseServerMessage } from '../../src/protocol/messages.js';

test('hand-built file-data and file-chunk frames equal the JSON ones and parse', () => {
  for (const size of [0, 1, 2, 3, 1000, MAX_FILE_CHUNK_BYTES]) {
    const chunk = crypto.randomBytes(size);
    const built = encodeFileFrame('file-data', 7, 123_456_789, chunk);
    assert.ok(built.equals(encodeFrame({ type: 'file-data', file: 7, offset: 123_456_789, data: chunk.toString('base64') })), `size ${size}`);
    const parsed = parseServerMessage(JSON.parse(built.subarray(4).toString()));
    assert.ok(parsed.ok && parsed.message.type === 'file-data' && decodeChunk(parsed.message.data)?.equals(chunk));
    const upload = encodeFileFrame('file-chunk', 8, 0, chunk);
    assert.ok(upload.equals(encodeFrame({ type: 'file-chunk', file: 8, offset: 0, data: chunk.toString('base64') })));
    assert.equal(parseClientMessage(JSON.parse(upload.subarray(4).toString())).ok, true);
  }
});

test('decodeChunk takes canonical base64 only', () => {
  const bytes = crypto.randomBytes(100);
  assert.ok(decodeChunk(bytes.toString('base64'))?.equals(bytes));
  assert.deepEqual(decodeChunk('QUJD'), Buffer.from('ABC'));
  for (const bad of ['QUJ', 'QU!D', 'QU D', 'Q===', '====', 'QUJD\n']) assert.equal(decodeChunk(bad), undefined, JSON.stringify(bad));
});

test('the schemas bound chunks, ids and names', () => {
  const chunk = 'A'.repeat(Math.ceil(MAX_FILE_CHUNK_BYTES / 3) * 4);
  assert.equal(parseClientMessage({ type: 'file-chunk', file: 1, offset: 0, data: chunk }).ok, true);
  assert.equal(parseClientMessage({ type: 'file-chunk', file: 1, offset: 0, data: chunk + 'AAAA' }).ok, false);
  assert.equal(parseClientMessage({ type: 'file-chunk', file: 0, offset: 0, data: '' }).ok, false);
  assert.equal(parseClientMessage({ type: 'file-offer', id: 1, room: '#lobby', name: 'x'.repeat(1025), size: 1 }).ok, false);
  assert.equal(parseClientMessage({ type: 'file-offer', id: 1, room: '#lobby', name: 'x', size: -1 }).ok, false);
  assert.equal(parseClientMessage({ type: 'file-offer', id: 1, room: '#lobby', name: 'x', size: 1, sha256: 'ABC' }).ok, false);
  assert.equal(parseClientMessage({ type: 'file-get', id: 1, file: 3, offset: 0 }).ok, true);
});
