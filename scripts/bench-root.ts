// Measures the costs root administration adds to the server's paths:
//   npm run build && node build/scripts/bench-root.js
// - the ban check every new connection pays (no bans, 1,000 address bans, a hit; bench-bans.ts
//   measures 65,536);
// - the per-chat-line statistics counter;
// - one audit record (written and synced before a root's reply).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../src/server/moderation/audit.js';
import { BanList } from '../src/server/moderation/bans.js';
import { parseIpRange } from '../src/server/abuse/ip-range.js';
import { ServerStats } from '../src/server/moderation/stats.js';
import { Store } from '../src/data-dir/store.js';

function perOp(label: string, runs: number, body: (i: number) => void): void {
  for (let i = 0; i < Math.min(runs, 10_000); i++) body(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) body(i);
  const ns = Number(process.hrtime.bigint() - start) / runs;
  console.log(`${label.padEnd(58)} ${ns < 1000 ? `${ns.toFixed(0)} ns` : `${(ns / 1000).toFixed(1)} µs`} per call`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-bench-'));
const store = Store.open(dir);
const now = Date.now();
const bans = new BanList(store.db, () => now);
const addresses = Array.from({ length: 256 }, (_, i) => `198.51.100.${i}`);

perOp('ban check, no bans', 1_000_000, (i) => bans.forAddress(addresses[i % 256] ?? ''));
const insert = store.db.prepare("INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES ('address', ?, ?, NULL, 'bench')");
store.db.transaction(() => {
  for (let i = 0; i < 1000; i++) insert.run(parseIpRange(`10.${Math.floor(i / 250)}.${i % 250}.0/24`)?.text ?? '', now);
})();
const loaded = new BanList(store.db, () => now); // the table is read once, at start
perOp('ban check, 1,000 range bans, address not banned', 1_000_000, (i) => loaded.forAddress(addresses[i % 256] ?? ''));
perOp('ban check, 1,000 range bans, address banned', 1_000_000, () => loaded.forAddress('10.1.7.9'));
perOp('ban check, 1,000 range bans, IPv6 address', 1_000_000, () => loaded.forAddress('2001:db8::42'));

const stats = new ServerStats({ dataDir: dir, fileName: 'stats.json', maxAddresses: 10_000, now: () => now });
perOp('stats: one chat line relayed', 10_000_000, () => stats.messageRelayed());
perOp('stats: one connection counted (10,000 addresses)', 1_000_000, (i) => stats.connection(`10.0.${(i >> 8) & 39}.${i & 255}`));
const started = process.hrtime.bigint();
stats.write({ users: 25, roots: 1, bytesIn: 0, bytesOut: 0 });
console.log(`${'stats.json write with 10,000 addresses'.padEnd(58)} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms (${(fs.statSync(stats.file).size / 1024).toFixed(0)} KiB)`);

const audit = new AuditLog(dir, 'audit.log', () => now, (error) => console.error(error));
perOp('audit record (append + fdatasync)', 200, (i) => audit.record({ who: 'root#1', from: '127.0.0.1', action: 'ban', targets: ['-u', `user${i}`, '2h'], result: 'ok' }));
store.close();
fs.rmSync(dir, { recursive: true, force: true });
