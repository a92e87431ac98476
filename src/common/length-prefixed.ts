// One unambiguous byte encoding for "these fields, in this order", shared by the login proof
// (crypto/auth-proof.ts) and the sealed file's additional data (protocol/sealed-file.ts).

/** Concatenate fields, each preceded by its length (uint32 BE), so no two inputs encode alike. */
export function lengthPrefixed(parts: readonly Buffer[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(part.length, 0);
    pieces.push(length, part);
  }
  return Buffer.concat(pieces);
}
