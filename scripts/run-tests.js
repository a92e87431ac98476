// Runs every compiled test file (build/test/**/*.test.js) with node's built-in test runner.
// Node 20's --test does not expand globs itself, so the file list is collected here.
//
// No run can hang: every test has a bound (--test-timeout), and a file whose tests are done
// exits even if something it started still holds a handle (--test-force-exit). The bound is
// 120 s: the slowest test here takes about 15 s on a busy two-core machine, so a working test
// never meets it, while a hung one costs two minutes instead of CI's whole budget. Node 20
// applies the same bound to each test file as a whole, so a file must finish within it too.
//
// The package build test makes real executables (minutes on two cores): it runs in a second
// lane with a bound of its own, in CI (.ci/run sets CI) or with PARTY_POOL_SLOW=1, or when named
// (`node scripts/run-tests.js package.test`). Everything else runs on every `npm test`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const TEST_TIMEOUT_MS = 120_000;
// Above the package test's own 10-minute suite bound, so that bound reports first.
const SLOW_TEST_TIMEOUT_MS = 900_000;
const SLOW_FILES = ['build/test/packaging/package.test.js'];

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    if (!entry.name.endsWith('.test.js')) return [];
    // A compiled test whose source was moved or deleted is left over from an older build: skip it.
    const source = path.join('test', path.relative(path.join('build', 'test'), full)).replace(/\.js$/, '.ts');
    return fs.existsSync(source) ? [full] : [];
  });
}

const only = process.argv.slice(2);
const files = collect('build/test').filter((file) => only.length === 0 || only.some((part) => file.includes(part))).sort();
if (files.length === 0) {
  console.error('No test files found under build/test; run "npm run build" first.');
  process.exit(1);
}
const isSlow = (file) => SLOW_FILES.includes(file.split(path.sep).join('/'));
const slowWanted = Boolean(process.env.CI) || process.env.PARTY_POOL_SLOW === '1' || only.length > 0;
const lanes = [{ files: files.filter((file) => !isSlow(file)), timeoutMs: TEST_TIMEOUT_MS }];
const slow = files.filter(isSlow);
if (slow.length > 0 && slowWanted) lanes.push({ files: slow, timeoutMs: SLOW_TEST_TIMEOUT_MS });
else if (slow.length > 0) console.log(`Skipping ${slow.join(', ')} (builds real executables, minutes): it runs in CI, or here with PARTY_POOL_SLOW=1.\n`);

/** Run one lane; its output goes to ours as it comes, and its summary counts are returned. */
function runLane(lane) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', `--test-timeout=${lane.timeoutMs}`, '--test-force-exit', '--test-reporter=spec', ...lane.files], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1', ...process.env } : process.env,
    });
    let text = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk.toString();
    });
    child.on('close', (code) => {
      // The spec reporter ends with "ℹ pass N" and the like for the whole lane.
      const count = (key) => Number([...text.matchAll(new RegExp(`^\\S* ?${key} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
      resolve({ code: code ?? 1, pass: count('pass'), fail: count('fail') + count('cancelled'), skipped: count('skipped') + count('todo') });
    });
  });
}

let status = 0;
const totals = { pass: 0, fail: 0, skipped: 0 };
for (const lane of lanes) {
  if (lane.files.length === 0) continue;
  const result = await runLane(lane);
  if (result.code !== 0) status = result.code;
  for (const key of Object.keys(totals)) totals[key] += result[key];
}
console.log(`\ntotal: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(status);
