import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { SLOT_BYTES, emptySlot, filledSlot, findSlot } from '../../src/packaging/sealed-slot.js';

test('a filled slot is the sealed file padded with spaces to a fixed size, which JSON.parse reads as the file', () => {
  const sealed = JSON.stringify({ format: 'party-pool-sealed', ciphertext: 'abc' }, null, 2) + '\n';
  const slot = filledSlot(sealed);
  assert.equal(slot.length, SLOT_BYTES);
  assert.deepEqual(JSON.parse(slot.toString('utf8')), JSON.parse(sealed));
  assert.throws(() => filledSlot('x'.repeat(SLOT_BYTES + 1)), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED');
});

test('the empty slot is found exactly once; twice, or damaged, is refused', () => {
  const program = Buffer.concat([Buffer.alloc(1000, 1), emptySlot(), Buffer.alloc(500, 2)]);
  assert.equal(findSlot(program), 1000);
  assert.throws(() => findSlot(Buffer.concat([program, emptySlot()])), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED');
  assert.throws(() => findSlot(Buffer.alloc(100)), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED');
  const damaged = Buffer.from(program);
  damaged[1000 + SLOT_BYTES - 1] = 0x41;
  assert.throws(() => findSlot(damaged), (error) => error instanceof PartyPoolError && error.code === 'BUILD_FAILED');
});

test('raw deflate parts ending in a sync flush, joined, inflate to the joined bytes (how downloads are assembled)', () => {
  const parts = [Buffer.from('header '.repeat(50)), Buffer.alloc(70_000, 7), filledSlot('{"a":1}'), Buffer.from('tail')];
  const deflated = parts.map((part, i) => zlib.deflateRawSync(part, { level: 6, finishFlush: i === parts.length - 1 ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }));
  assert.deepEqual(zlib.inflateRawSync(Buffer.concat(deflated)), Buffer.concat(parts));
});
