// Run the CLI in this process, the way bin/party-pool.js runs it, but on in-memory streams: no
// new Node per run, and the same exit status, stdout and stderr a spawned `party-pool` gives.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/main.js';
import { cleanEnv, type CliOptions, type CliResult } from './cli.js';

/** Collects what is written, as text. */
function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

/** A CLI run in progress: type into its stdin, read its output, await its exit status. */
export interface LiveRun {
  stdin: PassThrough;
  out: () => string;
  err: () => string;
  exited: Promise<number>;
}

/** Start `party-pool <args>` with a pipe for stdin (line mode), an environment without inherited PARTY_POOL_* values. */
export function startMain(args: string[], options: Pick<CliOptions, 'env'> = {}): LiveRun {
  const stdin = new PassThrough();
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = { stdin, stdout: stdout.stream, stderr: stderr.stream, env: cleanEnv(options.env), isTTY: false };
  return { stdin, out: stdout.text, err: stderr.text, exited: main(args, io) };
}

/** Run `party-pool <args>` to the end with `input` on stdin; fails (never hangs) after `timeoutMs`. */
export async function runMain(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const run = startMain(args, options);
  run.stdin.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`party-pool ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${run.out()}\nstderr: ${run.err()}`)), timeoutMs);
  });
  try {
    const code = await Promise.race([run.exited, deadline]);
    return { code, signal: null, stdout: run.out(), stderr: run.err() };
  } finally {
    clearTimeout(timer);
  }
}

/** Resolve once `read()` includes `text`; fails after `timeoutMs` with what was read. Polls output, never sleeps blindly. */
export async function waitForOutput(read: () => string, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; output so far:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
