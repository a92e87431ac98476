// The one place that writes to the terminal for people (besides the chat screen and the build
// progress), always to the streams a run was given.
import type { CliIo, OutputStream } from './io.js';

/** Lines for people on stdout, errors on stderr, JSON lines for programs. */
export class Output {
  constructor(private readonly io: Pick<CliIo, 'stdout' | 'stderr'>) {}

  line(text: string): void {
    this.io.stdout.write(text + '\n');
  }

  error(text: string): void {
    this.io.stderr.write(text + '\n');
  }

  json(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value) + '\n');
  }
}

/**
 * A closed terminal or pipe (`party-pool server | head -1`, a vanished SSH session) must not
 * crash a running server: output that cannot be written is dropped; anything else still fails.
 */
export function guardOutputStreams(streams: readonly OutputStream[]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
    });
  }
}
