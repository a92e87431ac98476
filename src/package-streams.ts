// Loaded first by the entry of issued packages (package-entry.ts), before any module whose
// top-level code touches process.stdout (colour detection does).
import fs from 'node:fs';
import { Writable } from 'node:stream';

/**
 * Node opens stdin, stdout and stderr on first use and throws from deep inside its own code (a
 * stack trace, no sentence) when libuv cannot open a handle the way it expects. Under wine a Unix
 * pipe reaches a Windows program as a handle that is not a Windows named pipe, so libuv's pipe
 * setup fails with EBADF, while plain reads and writes on the descriptor work. So: fall back to
 * plain descriptor streams (writes are synchronous, so nothing is lost at exit), and if even the
 * descriptor is unusable, say so in one sentence.
 */
function openStandardStreams(): void {
  for (const [name, fd] of [
    ['stdin', 0],
    ['stdout', 1],
    ['stderr', 2],
  ] as const) {
    try {
      void process[name];
      continue;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      let stream: NodeJS.ReadableStream | NodeJS.WritableStream;
      try {
        fs.fstatSync(fd);
        stream =
          fd === 0
            ? fs.createReadStream('', { fd, autoClose: false })
            : new Writable({
                write(chunk: Buffer, _encoding, done): void {
                  fs.writeSync(fd, chunk);
                  done();
                },
              });
      } catch {
        const sentence = `This program cannot use its ${fd === 0 ? 'input' : 'output'} (${name}: ${code}); start it from a normal terminal window (Command Prompt, PowerShell, Windows Terminal or a Linux terminal).\n`;
        try {
          fs.writeSync(fd === 2 ? 1 : 2, sentence);
        } catch {
          // Nowhere left to say it; the exit status still tells.
        }
        process.exit(1);
      }
      Object.defineProperty(process, name, { value: stream, configurable: true, enumerable: true });
    }
  }
}

openStandardStreams();
