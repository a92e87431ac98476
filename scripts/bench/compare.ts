// `npm run bench -- --compare`: Party Pool against ngIRCd with TLS, side by side on this machine,
// with the independent load driver (../shared/bench: ts_driver.js for Party Pool, irc_driver.js
// for IRC; the same scenarios and output fields). Every scenario runs once per round for each
// server, the two interleaved (and their order swapped every round) so that a change in the
// machine's load hits both alike; the table gives medians and the ratio Party Pool / ngIRCd.
// Without ngIRCd installed it measures Party Pool alone. Everything is bounded in time.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CompareOptions {
  /** The driver folder (ts_driver.js, irc_driver.js, run_ts.sh, run_irc.sh, ngircd/). */
  driver: string | undefined;
  rounds: number;
  /** Scenario names to run (all when empty). */
  scenarios: string[];
  json: string | undefined;
}

type Result = Record<string, unknown>;
type Server = 'pp' | 'irc';

interface Scenario {
  name: string;
  pp: string[];
  irc: string[];
}

/** The issue's table: the same arguments for both servers, as the driver's README gives them. */
const SCENARIOS: readonly Scenario[] = [
  { name: 'burst100', pp: ['100', 'bcast', '--multiaddr', '1'], irc: ['100', 'bcast', '--nudge', '20'] },
  { name: 'window100', pp: ['100', 'bcast', '--multiaddr', '1', '--window', '1'], irc: ['100', 'bcast', '--nudge', '20', '--window', '1'] },
  { name: 'burst1000', pp: ['1000', 'bcast', '--multiaddr', '1', '--conc', '100'], irc: ['1000', 'bcast', '--nudge', '20', '--conc', '100'] },
  { name: 'storm1000', pp: ['1000', 'hold', '--multiaddr', '1', '--conc', '100'], irc: ['1000', 'hold', '--join', '0', '--conc', '100'] },
  { name: 'idle10000', pp: ['10000', 'hold', '--multiaddr', '1', '--conc', '100'], irc: ['10000', 'hold', '--join', '0', '--conc', '100'] },
];

interface Row {
  label: string;
  scenario: string;
  /** The figure of one run; undefined when the run did not give it. */
  read: (result: Result) => number | undefined;
  /** Whether a larger figure is better (rates) or a smaller one (seconds, memory). */
  higherIsBetter: boolean;
  /** Shown after the median in brackets (p99 latency). */
  note?: (result: Result) => number | undefined;
  digits: number;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const field = (name: string) => (result: Result): number | undefined => num(result[name]);
const p99 = (result: Result): number | undefined => {
  const latency = result.latency;
  return typeof latency === 'object' && latency !== null ? num(Reflect.get(latency, 'p99ms')) : undefined;
};
/** A rate only counts from a run that delivered everything; a login time only if everyone got in. */
const complete = (read: (result: Result) => number | undefined) => (result: Result): number | undefined =>
  result.deliveredFraction === 1 || (result.mode === 'hold' && result.registered === result.attempted) ? read(result) : undefined;

/**
 * Deliveries per second of the server's own CPU time in the measured phase: on a shared machine
 * the wall-clock rate moves with everyone else's load, this much less (it is what the server
 * spends per delivery).
 */
const perCpuSecond = (result: Result): number | undefined => {
  const delivered = num(result.delivered);
  const cpu = num(result.serverCpuSeconds);
  return delivered !== undefined && cpu !== undefined && cpu > 0 ? delivered / cpu : undefined;
};

const ROWS: readonly Row[] = [
  { label: '100 members, burst of 2,000 lines: deliveries/s', scenario: 'burst100', read: complete(field('deliveredPerSec')), higherIsBetter: true, digits: 0 },
  { label: '100 members, one line in flight: deliveries/s (p99 ms)', scenario: 'window100', read: complete(field('deliveredPerSec')), note: p99, higherIsBetter: true, digits: 0 },
  { label: '1,000 members, burst: deliveries/s', scenario: 'burst1000', read: complete(field('deliveredPerSec')), higherIsBetter: true, digits: 0 },
  { label: '100 members, burst: deliveries per server CPU-second', scenario: 'burst100', read: complete(perCpuSecond), higherIsBetter: true, digits: 0 },
  { label: '100 members, one in flight: deliveries per server CPU-second', scenario: 'window100', read: complete(perCpuSecond), higherIsBetter: true, digits: 0 },
  { label: '1,000 members, burst: deliveries per server CPU-second', scenario: 'burst1000', read: complete(perCpuSecond), higherIsBetter: true, digits: 0 },
  { label: 'login storm, 1,000 at concurrency 100: s', scenario: 'storm1000', read: complete(field('loginSeconds')), higherIsBetter: false, digits: 2 },
  { label: '10,000 idle sessions: login s', scenario: 'idle10000', read: complete(field('loginSeconds')), higherIsBetter: false, digits: 1 },
  { label: '10,000 idle sessions: RSS per session KiB', scenario: 'idle10000', read: complete(field('rssPerSessionKB')), higherIsBetter: false, digits: 1 },
  { label: 'idle server RSS, no clients: MB', scenario: '*', read: field('rssBaselineMB'), higherIsBetter: false, digits: 1 },
];

/** Where the driver is: --driver, PARTY_POOL_BENCH_DRIVER, or ../shared/bench beside the checkout. */
function findDriver(given: string | undefined, repoRoot: string): string {
  const candidates = given !== undefined ? [given] : process.env.PARTY_POOL_BENCH_DRIVER ? [process.env.PARTY_POOL_BENCH_DRIVER] : [path.resolve(repoRoot, '..', 'shared', 'bench')];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, 'ts_driver.js')) && fs.existsSync(path.join(dir, 'run_ts.sh'))) return path.resolve(dir);
  throw new Error(`No load driver in ${candidates.join(', ')}: give the folder with ts_driver.js and run_ts.sh as --driver DIR (or PARTY_POOL_BENCH_DRIVER).`);
}

/** The ngIRCd binary, if installed (Debian puts it in /usr/sbin, not always on PATH). */
function findNgircd(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) if (dir && fs.existsSync(path.join(dir, 'ngircd'))) return path.join(dir, 'ngircd');
  return undefined;
}

/** ngIRCd's TLS files, made as the driver's README says when the copy has none. */
function prepareNgircdTls(work: string): void {
  const dir = path.join(work, 'ngircd');
  const run = (args: string[]): void => {
    const done = spawnSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000 });
    if (done.status !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${done.stderr.trim().split('\n')[0] ?? ''}`);
  };
  if (!fs.existsSync(path.join(dir, 'cert.pem')) || !fs.existsSync(path.join(dir, 'key.pem'))) {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', '/CN=127.0.0.1']);
  }
  if (!fs.existsSync(path.join(dir, 'dh.pem'))) run(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', 'dh.pem']);
}

/** Run one driver script; resolves with its JSON line (or an error note). The fd limit is raised to the hard limit. */
function runOne(work: string, server: Server, args: string[], repoRoot: string, ngircdDir: string | undefined): Promise<Result> {
  const script = server === 'pp' ? './run_ts.sh' : './run_irc.sh';
  const env: NodeJS.ProcessEnv = { ...process.env, PP_REPO: repoRoot, OUTFILE: path.join(work, 'results', 'ts_results.jsonl') };
  if (server === 'irc') {
    env.TLS = '1';
    if (ngircdDir) env.PATH = `${ngircdDir}${path.delimiter}${env.PATH ?? ''}`;
  }
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', script, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
    // The scripts bound themselves (about 15 minutes at most); this is the last resort.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((text) => text.startsWith('{'));
      try {
        resolve(JSON.parse(line ?? '') as Result);
      } catch {
        resolve({ error: `no result (${err.trim().split('\n').slice(-2).join(' ')})` });
      }
    });
  });
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function format(value: number | undefined, digits: number): string {
  if (value === undefined) return '—';
  if (digits === 0 && value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  return value.toFixed(digits);
}

interface Run {
  round: number;
  scenario: string;
  server: Server;
  load: number;
  result: Result;
}

/** The ratio table, from every run so far. */
function table(runs: readonly Run[], hasNgircd: boolean): string {
  const lines = ['| scenario | ngIRCd-TLS | Party Pool | ratio PP/ngIRCd | 1-min load |', '|---|---:|---:|---:|---|'];
  for (const row of ROWS) {
    const mine = runs.filter((run) => row.scenario === '*' || run.scenario === row.scenario);
    if (mine.length === 0) continue;
    const cell = (server: Server): { value: number | undefined; note: number | undefined; count: number } => {
      const results = mine.filter((run) => run.server === server).map((run) => run.result);
      const values = results.map(row.read).filter((v): v is number => v !== undefined);
      const notes = row.note ? results.map(row.note).filter((v): v is number => v !== undefined) : [];
      return { value: median(values), note: median(notes), count: values.length };
    };
    const pp = cell('pp');
    const irc = cell('irc');
    const show = (c: typeof pp): string => `${format(c.value, row.digits)}${c.note !== undefined ? ` (${c.note.toFixed(1)})` : ''}${c.count > 0 ? ` [n=${c.count}]` : ''}`;
    let ratio = '—';
    if (hasNgircd && pp.value !== undefined && irc.value !== undefined && irc.value > 0) {
      const r = pp.value / irc.value;
      const better = row.higherIsBetter ? r > 1 : r < 1;
      ratio = `${r.toFixed(2)}${!row.higherIsBetter && better ? ' (better)' : ''}`;
    }
    const loads = mine.map((run) => run.load);
    lines.push(`| ${row.label} | ${hasNgircd ? show(irc) : 'not installed'} | ${show(pp)} | ${ratio} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** Run the comparison and print the table; throws one sentence when it cannot start. */
export async function runCompare(options: CompareOptions, repoRoot: string): Promise<void> {
  const driver = findDriver(options.driver, repoRoot);
  const chosen = options.scenarios.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => options.scenarios.includes(s.name));
  if (chosen.length === 0) throw new Error(`No such scenario; choose from ${SCENARIOS.map((s) => s.name).join(', ')}.`);
  // The driver writes its results beside itself: work on a copy.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-compare-'));
  fs.cpSync(driver, work, { recursive: true });
  fs.mkdirSync(path.join(work, 'results'), { recursive: true });
  for (const name of fs.readdirSync(work)) if (name.endsWith('.sh')) fs.chmodSync(path.join(work, name), 0o755);
  const ngircd = findNgircd();
  if (ngircd) prepareNgircdTls(work);
  console.log(`Party Pool vs ${ngircd ? `ngIRCd with TLS (${ngircd})` : 'nothing (ngIRCd is not installed: apt-get install ngircd)'}; driver ${driver}; ${options.rounds} round(s); work dir ${work}`);
  console.log(`${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; open-file limit raised to the hard limit for each run.`);
  const runs: Run[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of chosen) {
      // Swap who goes first every round, so a trend in the machine's load favours neither.
      const order: Server[] = !ngircd ? ['pp'] : round % 2 === 1 ? ['pp', 'irc'] : ['irc', 'pp'];
      for (const server of order) {
        const load = os.loadavg()[0] ?? 0;
        const result = await runOne(work, server, server === 'pp' ? scenario.pp : scenario.irc, repoRoot, ngircd ? path.dirname(ngircd) : undefined);
        runs.push({ round, scenario: scenario.name, server, load, result });
        const figure = result.mode === 'bcast' ? `${String(result.deliveredPerSec)} deliveries/s, p99 ${String(p99(result))} ms` : `${String(result.registered)}/${String(result.attempted)} in ${String(result.loginSeconds)} s, ${String(result.rssPerSessionKB)} KiB/session`;
        console.log(`round ${round}/${options.rounds} ${scenario.name.padEnd(9)} ${server === 'pp' ? 'Party Pool' : 'ngIRCd    '} ${result.error !== undefined ? JSON.stringify(result.error) : figure} (load ${load.toFixed(1)})`);
      }
    }
  }
  console.log(`\nMedians of ${options.rounds} interleaved round(s); [n=] counts the complete runs.\n`);
  console.log(table(runs, ngircd !== undefined));
  if (options.json) {
    fs.writeFileSync(options.json, JSON.stringify({ startedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, driver, ngircd: ngircd ?? null, runs }, null, 2) + '\n');
    console.log(`\nEvery run written to ${options.json}`);
  }
}
