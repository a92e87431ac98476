// Ban checks at scale (issue 11, item 10): run `npm run bench:bans` (or, after a build,
// `node build/scripts/bench-bans.js [--bans N]`).
// With N IPv6 /64 range bans in force (default 65,536, the size of the reported attack),
// measures what the server pays:
//   - once at start: reading the bans table into memory;
//   - on every new connection: the ban check, for an address that is not banned, one that is,
//     and an IPv4 address;
//   - per new block for failed logins (LoginBlocks: a check, then a ban added) and per root `ban`;
//   - per `unban`, and a `bans` listing.
// Only BanList's and LoginBlocks' public API is used, so the same script times older versions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSilentLogger } from '../src/common/logger.js';
import { Store } from '../src/data-dir/store.js';
import { LoginBlocks } from '../src/server/abuse/login-blocks.js';
import { BanList } from '../src/server/moderation/bans.js';

const countArg = process.argv.indexOf('--bans');
const BANS = countArg > 0 ? Number(process.argv[countArg + 1]) : 65_536;
if (!Number.isSafeInteger(BANS) || BANS < 1 || BANS > 1_000_000) {
  console.error('--bans takes a count from 1 to 1,000,000.');
  process.exit(2);
}

/** Run `body` up to `runs` times or until `budgetMs` has passed (at least 3 runs); time per call. */
function perOp(label: string, runs: number, budgetMs: number, body: (i: number) => void): void {
  for (let i = 0; i < Math.min(3, runs); i++) body(runs + i); // warm up
  const start = process.hrtime.bigint();
  let done = 0;
  while (done < runs && (done < 3 || Number(process.hrtime.bigint() - start) / 1e6 < budgetMs)) body(done++);
  const ns = Number(process.hrtime.bigint() - start) / done;
  const shown = ns < 1000 ? `${ns.toFixed(0)} ns` : ns < 1e6 ? `${(ns / 1000).toFixed(1)} µs` : `${(ns / 1e6).toFixed(1)} ms`;
  console.log(`${label.padEnd(62)} ${shown.padStart(10)} per call  (${done} calls)`);
}

/** The i-th /64 under 2001:db8::/32, as the ban list stores it. */
function v6Range(i: number): string {
  return `2001:db8:${((i >>> 16) & 0xffff).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
}

/** An address inside the i-th banned /64. */
function bannedAddress(i: number): string {
  return `2001:db8:${((i >>> 16) & 0xffff).toString(16)}:${(i & 0xffff).toString(16)}:abcd::7`;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-bans-'));
const store = Store.open(dir);
try {
  let now = Date.now();
  const clock = (): number => now;
  // The bans an attack from many /64s leaves behind: auto-blocks with staggered expiry.
  const insert = store.db.prepare("INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES ('address', ?, ?, ?, 'auto: failed logins')");
  store.db.transaction(() => {
    for (let i = 0; i < BANS; i++) insert.run(v6Range(i), now, now + 3_600_000 + i);
  })();
  console.log(`${BANS.toLocaleString('en-US')} IPv6 /64 range bans in force (node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'})`);

  const heapBefore = process.memoryUsage().heapUsed;
  const loadStart = process.hrtime.bigint();
  const bans = new BanList(store.db, clock);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  console.log(`${'start: read the bans table into memory'.padEnd(62)} ${`${loadMs.toFixed(0)} ms`.padStart(10)}  (heap +${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MiB)`);

  perOp('check, IPv6 address not banned', 200_000, 3000, (i) => bans.forAddress(`2001:db9:${(i & 0xffff).toString(16)}::1`));
  perOp('check, IPv6 address banned (inside a /64)', 200_000, 3000, (i) => bans.forAddress(bannedAddress(i % BANS)));
  perOp('check, IPv4 address', 200_000, 3000, (i) => bans.forAddress(`198.51.100.${i & 255}`));

  const blocks = new LoginBlocks({ logger: createSilentLogger(), now: clock, reportStorageFailure: () => undefined }, store.db, bans, {
    maxFailures: 1,
    windowMs: 600_000,
    firstBlockMs: 300_000,
    maxBlockMs: 86_400_000,
  });
  perOp('new block for failed logins (check + ban added)', 2000, 5000, (i) => blocks.failed(`2001:db8:ffff:${(i & 0xffff).toString(16)}::1`));
  perOp('root ban of a new IPv6 range', 2000, 5000, (i) => bans.add('address', `2001:db8:fffe:${(i & 0xffff).toString(16)}::/64`, 600_000, 'root#1'));
  perOp('root unban of an IPv6 range', 2000, 5000, (i) => bans.remove('address', `2001:db8:fffe:${(i & 0xffff).toString(16)}::/64`));
  perOp('bans listing (all bans, sorted)', 20, 5000, () => bans.list());
  now += 3_600_000 + BANS / 2;
  const pruneStart = process.hrtime.bigint();
  bans.forAddress('2001:db8::1');
  console.log(`${`half the bans expire (${Math.floor(BANS / 2).toLocaleString('en-US')}), next check prunes them`.padEnd(62)} ${`${(Number(process.hrtime.bigint() - pruneStart) / 1e6).toFixed(0)} ms`.padStart(10)}`);
  perOp('check, IPv6 address banned, after expiry', 200_000, 3000, (i) => bans.forAddress(bannedAddress(Math.ceil(BANS / 2) + (i % Math.floor(BANS / 2)))));
} finally {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
