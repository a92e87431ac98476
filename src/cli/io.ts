// The streams and environment one run of the command line uses. The bin entry and an issued
// program pass the process's own; tests pass in-memory streams and run the CLI in-process.

/** Where output goes: a stream, possibly a terminal (isTTY). */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdin is a terminal: prompts and the chat screen, else line mode. */
  isTTY: boolean;
}

/** The process's own streams and environment (the bin entry and issued programs). */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, isTTY: process.stdin.isTTY === true };
}

/**
 * End the process with `code` once output is flushed; stray handles (a half-closed socket,
 * stdin) must not keep a finished CLI alive.
 */
export function exitProcess(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}
