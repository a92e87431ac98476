// File sharing from the command line: line mode's --json events (`file`, `files`, `saved`,
// refusals as `error`), downloads into the current directory by default, and a client killed in
// the middle of an upload or a download whose next run continues where it stopped.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { binPath, cleanEnv } from '../helpers/cli.js';
import { fileClient, makeFile, sha256Of, type FileClient } from '../helpers/files.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, within, type TestServer } from '../helpers/server.js';

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('files from the command line', () => {
  let t: TestServer;
  let target: string[];
  const children: ChildProcess[] = [];
  const clients: FileClient[] = [];
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const c of clients.splice(0)) c.close();
  });

  /** `party-pool client` as its own process, line mode, with `input` on stdin (left open). */
  function spawnClient(name: string, input: string, cwd: string): ChildProcess {
    const child = spawn(process.execPath, [binPath, 'client', ...target, '--name', name, '--json'], { cwd, env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }), stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin?.write(input);
    children.push(child);
    return child;
  }

  function killed(child: ChildProcess): Promise<void> {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return within(exited, 10_000, 'the client to die');
  }

  test('line mode --json: /send prints the file event; /files, /get and refusals print theirs', async () => {
    const source = makeFile(tempDir(), 'report.pdf', 300_000);
    const sent = await runMain(['client', ...target, '--name', 'lina', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: `/send ${source.path}\n`, timeoutMs: 60_000 });
    assert.equal(sent.code, 0, sent.stderr);
    const shared = jsonLines(sent.stdout).find((event) => event.type === 'file');
    assert.ok(shared, sent.stdout);
    assert.deepEqual(Object.keys(shared), ['type', 'id', 'room', 'from', 'name', 'size', 'sha256', 'time']);
    assert.deepEqual([shared.room, shared.from, shared.name, shared.size, shared.sha256], ['#lobby', 'lina', 'report.pdf', 300_000, source.sha256]);

    const into = tempDir();
    const got = await runMain(['client', ...target, '--name', 'gus', '--json'], {
      env: { PARTY_POOL_PASSKEY: PASSKEY },
      input: `/help\n/files\n/get ${String(shared.id)} ${into}\n/get 999999\n/send\n/send ${path.join(into, 'no-such-file')}\n`,
      timeoutMs: 60_000,
    });
    assert.equal(got.code, 0, got.stderr);
    const events = jsonLines(got.stdout);
    const help = events.find((event) => event.type === 'help');
    const usages = ((help?.commands ?? []) as { usage: string }[]).map((entry) => entry.usage);
    assert.deepEqual(usages.filter((usage) => /^\/(send|get|files|unshare)\b/.test(usage)), ['/send [@name] <path>', '/get <id> [folder]', '/files [#room|@name]', '/unshare <id>']);
    const files = events.find((event) => event.type === 'files');
    assert.deepEqual(files && [files.room, (files.files as { id: number }[]).map((f) => f.id)], ['#lobby', [shared.id]]);
    const saved = events.find((event) => event.type === 'saved');
    assert.deepEqual(saved, { type: 'saved', id: shared.id, path: path.join(into, 'report.pdf'), sha256: source.sha256 });
    assert.equal(sha256Of(path.join(into, 'report.pdf')), source.sha256);
    // Transfers run side by side, so their refusals come in any order.
    const errors = events.filter((event) => event.type === 'error').map((event) => String(event.code));
    assert.deepEqual(errors.sort(), ['FILE_UNREADABLE', 'NO_SUCH_FILE', 'USAGE']);
  });

  test('a client killed mid-upload: the next /send of the same file continues where the server stands', async () => {
    const source = makeFile(tempDir(), 'big-upload.bin', 64 * 1024 * 1024);
    const child = spawnClient('kim', `/send ${source.path}\n`, tempDir());
    const partials = path.join(t.dataDir, 'files', 'partial');
    await waitUntil(() => fs.existsSync(partials) && fs.readdirSync(partials).some((file) => fs.statSync(path.join(partials, file)).size > 2 * 1024 * 1024), 60_000, 'part of the upload on the server');
    await killed(child);
    await waitUntil(() => !t.server.onlineNames().includes('kim'), 10_000, 'the killed client to be gone');
    const again = await fileClient(t, 'kim');
    clients.push(again);
    assert.equal(await within(again.transfers.send(source.path, { room: '#lobby' }), 60_000, 'the resumed upload'), true);
    const accepted = again.messages.find((m) => m.type === 'file-accepted');
    assert.ok(accepted?.type === 'file-accepted' && accepted.offset > 2 * 1024 * 1024, `resumed at ${accepted?.type === 'file-accepted' ? accepted.offset : '?'}`);
    const shared = again.messages.find((m) => m.type === 'file' && m.ref === undefined);
    assert.equal(shared?.type === 'file' && shared.sha256, source.sha256);
  });

  test('a client killed mid-download (into the current directory): the next /get continues from the partial file', async () => {
    const uploader = await fileClient(t, 'ulla');
    clients.push(uploader);
    const source = makeFile(tempDir(), 'big-download.bin', 64 * 1024 * 1024);
    await within(uploader.transfers.send(source.path, { room: '#lobby' }), 60_000, 'the upload');
    const shared = uploader.messages.find((m) => m.type === 'file' && m.ref === undefined);
    assert.ok(shared?.type === 'file');
    const cwd = tempDir();
    const child = spawnClient('dora', `/get ${shared.id}\n`, cwd);
    const partial = (): string | undefined => fs.readdirSync(cwd).find((file) => file.endsWith('.party-pool-part'));
    await waitUntil(() => {
      const file = partial();
      return file !== undefined && fs.statSync(path.join(cwd, file)).size > 2 * 1024 * 1024;
    }, 60_000, 'part of the download in the current directory');
    await killed(child);
    const again = await fileClient(t, 'dora');
    clients.push(again);
    assert.equal(await within(again.transfers.get(shared.id, cwd), 60_000, 'the resumed download'), true);
    const start = again.messages.find((m) => m.type === 'file-start');
    assert.ok(start?.type === 'file-start' && start.offset > 2 * 1024 * 1024, 'resumed, not restarted');
    assert.equal(sha256Of(path.join(cwd, 'big-download.bin')), source.sha256);
    assert.deepEqual(fs.readdirSync(cwd), ['big-download.bin'], 'the partial file is gone');
  });
});
