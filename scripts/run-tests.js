// Runs every compiled test file (build/test/**/*.test.js) with node's built-in test runner.
// Node 20's --test does not expand globs itself, so the file list is collected here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

const only = process.argv.slice(2);
const files = collect('build/test').filter((file) => only.length === 0 || only.some((part) => file.includes(part))).sort();
if (files.length === 0) {
  console.error('No test files found under build/test; run "npm run build" first.');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
