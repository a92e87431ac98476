// Compressed downloads of the executables: a .tar.gz for Linux (keeps the executable bit) and a
// .zip for Windows (Explorer opens it). An executable is ~100 MB and compresses to ~38 %, but
// deflating it takes seconds; only its 32 KiB sealed-file slot differs between packages. So the
// deflate streams of the bytes before and after the slot are made once with the cached program
// (executable.ts), each ending in a sync flush (byte-aligned, no back-references across), and a
// download is those streams with a freshly deflated slot between them: a valid deflate stream of
// the whole file.
import fs from 'node:fs';
import { Header } from 'tar';
import zlib from 'node:zlib';
import { PartyPoolError } from '../common/errors.js';
import { DOWNLOAD_DEFLATE_LEVEL, type ProgramExecutable } from './executable.js';
import { SLOT_BYTES } from './sealed-slot.js';

const deflate = (data: Buffer, finish: boolean): Buffer =>
  zlib.deflateRawSync(data, { level: DOWNLOAD_DEFLATE_LEVEL, finishFlush: finish ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });

/** Bytes of the package's executable from the slot to the end, and the CRC-32 of the whole file. */
async function slotAndRest(program: ProgramExecutable, executable: string): Promise<{ slot: Buffer; suffix: Buffer; crc: number }> {
  const handle = await fs.promises.open(executable, 'r');
  try {
    const rest = Buffer.alloc(program.bytes - program.slotOffset);
    const { bytesRead } = await handle.read(rest, 0, rest.length, program.slotOffset);
    if (bytesRead !== rest.length || (await handle.stat()).size !== program.bytes) throw new PartyPoolError('BUILD_FAILED', `${executable} is not the size of its program executable.`);
    return { slot: rest.subarray(0, SLOT_BYTES), suffix: rest.subarray(SLOT_BYTES), crc: zlib.crc32(rest, program.prefixCrc) };
  } finally {
    await handle.close();
  }
}

/** Write `parts` (buffers, or files copied as they are) to `outFile`. */
async function writeParts(outFile: string, parts: (Buffer | { file: string })[]): Promise<void> {
  const out = await fs.promises.open(outFile, 'w', 0o644);
  try {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) {
        await out.write(part);
        continue;
      }
      for await (const chunk of fs.createReadStream(part.file, { highWaterMark: 4 * 1024 * 1024 })) await out.write(chunk as Buffer);
    }
  } finally {
    await out.close();
  }
}

export interface DownloadOptions {
  program: ProgramExecutable;
  /** The package's executable (the program with its slot filled). */
  executable: string;
  /** The executable's name inside the archive. */
  entryName: string;
  outFile: string;
  mtime: Date;
}

/** A .tar.gz holding the Linux executable (mode 755, owner 0:0 with no user or group names). */
export async function writeTarGzDownload(options: DownloadOptions): Promise<void> {
  const { program } = options;
  const { slot } = await slotAndRest(program, options.executable);
  const header = Buffer.alloc(512);
  new Header({ path: options.entryName, mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', size: program.bytes, mtime: options.mtime, type: 'File' }).encode(header, 0);
  const padding = (512 - (program.bytes % 512)) % 512;
  // The file padded to a 512-byte block, then the two zero blocks that end an archive.
  const trailer = Buffer.alloc(padding + 1024);
  // The gzip CRC covers the tar stream (header first), so the file's is recomputed here (~40 ms).
  const tarCrc = zlib.crc32(trailer, await crcOfFile(options.executable, zlib.crc32(header)));
  const tarBytes = 512 + program.bytes + trailer.length;
  const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const gzipTrailer = Buffer.alloc(8);
  gzipTrailer.writeUInt32LE(tarCrc >>> 0, 0);
  gzipTrailer.writeUInt32LE(tarBytes % 2 ** 32, 4);
  await writeParts(options.outFile, [gzipHeader, deflate(header, false), { file: program.prefixDeflate }, deflate(slot, false), { file: program.suffixDeflate }, deflate(trailer, true), gzipTrailer]);
}

async function crcOfFile(file: string, initial: number): Promise<number> {
  let crc = initial;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) crc = zlib.crc32(chunk as Buffer, crc);
  return crc;
}

/** MS-DOS date and time, as zip headers keep them (local time, 2-second steps). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** A .zip holding the Windows executable (one deflated entry). */
export async function writeZipDownload(options: DownloadOptions): Promise<void> {
  const { program } = options;
  const { slot, crc } = await slotAndRest(program, options.executable);
  const slotDeflate = deflate(slot, false);
  // The sync-flushed parts end without a final block; an empty final block closes the stream.
  const end = deflate(Buffer.alloc(0), true);
  const compressed = fs.statSync(program.prefixDeflate).size + slotDeflate.length + fs.statSync(program.suffixDeflate).size + end.length;
  if (program.bytes >= 0xffffffff || compressed >= 0xffffffff) throw new PartyPoolError('BUILD_FAILED', 'The Windows executable is too large for a zip without ZIP64.');
  const name = Buffer.from(options.entryName, 'utf8');
  const when = dosDateTime(options.mtime);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(when.time, 10);
  local.writeUInt16LE(when.date, 12);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(compressed, 18);
  local.writeUInt32LE(program.bytes, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, zip 2.0 (so the mode below is read)
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(when.time, 12);
  central.writeUInt16LE(when.date, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed, 20);
  central.writeUInt32LE(program.bytes, 24);
  central.writeUInt16LE(name.length, 28);
  // extra length, comment length, disk number, internal attributes: 0
  central.writeUInt32LE((0o100755 << 16) >>> 0, 38); // external attributes: a regular file, rwxr-xr-x
  central.writeUInt32LE(0, 42); // local header offset
  const centralOffset = local.length + name.length + compressed;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + name.length, 12);
  eocd.writeUInt32LE(centralOffset, 16);
  await writeParts(options.outFile, [local, name, { file: program.prefixDeflate }, slotDeflate, { file: program.suffixDeflate }, end, central, name, eocd]);
}
