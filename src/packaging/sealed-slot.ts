// The sealed server file inside an executable lives in a fixed-size slot: the SEA asset
// `sealed-server.json` is made as a placeholder (a marker, then filler), so one program
// executable per platform serves every package and is cached, and each package's executable is
// that program with the slot overwritten in place by its sealed file, padded with spaces
// (JSON.parse ignores trailing whitespace). Every executable's slot has the same length, so the
// file size reveals nothing about the sealed content either.
import { PartyPoolError } from '../common/errors.js';

/** Bytes in the slot: far more than a sealed file with the maximum number of addresses needs (~4 KiB). */
export const SLOT_BYTES = 32 * 1024;

/** Starts the placeholder; found exactly once in a program executable. */
const SLOT_MARKER = 'PARTY-POOL/SEALED-SLOT/v1:';

/** The placeholder the program executable is made with. */
export function emptySlot(): Buffer {
  const slot = Buffer.alloc(SLOT_BYTES, '#');
  slot.write(SLOT_MARKER, 0, 'latin1');
  return slot;
}

/** The slot's content for one package: the sealed file, then spaces up to SLOT_BYTES. */
export function filledSlot(sealedText: string): Buffer {
  const text = Buffer.from(sealedText, 'utf8');
  if (text.length > SLOT_BYTES) throw new PartyPoolError('BUILD_FAILED', `The sealed server file is ${text.length} bytes, more than an executable's ${SLOT_BYTES}-byte slot; use fewer addresses.`);
  const slot = Buffer.alloc(SLOT_BYTES, ' ');
  text.copy(slot);
  return slot;
}

/** Where the placeholder is in a program executable; it must occur exactly once. */
export function findSlot(executable: Buffer): number {
  const marker = Buffer.from(SLOT_MARKER, 'latin1');
  const first = executable.indexOf(marker);
  if (first === -1) throw new PartyPoolError('BUILD_FAILED', 'The sealed-file slot is missing from the program executable (the SEA blob was not injected?).');
  if (executable.indexOf(marker, first + 1) !== -1) throw new PartyPoolError('BUILD_FAILED', 'The sealed-file slot occurs more than once in the program executable.');
  if (!executable.subarray(first, first + SLOT_BYTES).equals(emptySlot())) throw new PartyPoolError('BUILD_FAILED', 'The sealed-file slot in the program executable is not intact.');
  return first;
}
