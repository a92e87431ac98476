// The one place that writes to the terminal for people (besides the chat screen).

/**
 * A closed terminal or pipe (`party-pool server | head -1`, a vanished SSH session) must not
 * crash a running server: output that cannot be written is dropped; anything else still fails.
 */
export function guardOutputStreams(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
    });
  }
}
export function printLine(text: string): void {
  process.stdout.write(text + '\n');
}

export function printError(text: string): void {
  process.stderr.write(text + '\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
