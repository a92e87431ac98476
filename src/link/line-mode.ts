// Line mode's contract, shared by `party-pool client` and `party-pool root` when stdin is not a
// terminal: every input line becomes one request; at the end of input wait until the server has
// answered every request, then leave; exit 0 only when everything was answered.
import readline from 'node:readline';
import { config } from '../../config.js';
import { ExitCode, exitCodeForClose, type ExitCodeValue } from '../common/errors.js';
import type { ChatClient } from './chat-client.js';

/** What one input line turned into: the pending answer, and whether it ends the session. */
export interface LineRequest {
  answer: Promise<boolean>;
  last: boolean;
}

export interface LineSource {
  /** The lines to send (the run's stdin). */
  input: NodeJS.ReadableStream;
  /** Tell the person why the session ended badly (one sentence, on stderr). */
  reportError: (text: string) => void;
}

/**
 * Read the input to the end, sending what `toRequest` makes of each line. `unanswered` finishes the
 * sentence printed when the connection ends before every request was answered. `allSent`, when
 * requests are paced, resolves once the last one has left; the wait for answers starts then.
 */
export async function runInputLines(client: ChatClient, source: LineSource, toRequest: (line: string) => LineRequest | undefined, unanswered: string, allSent?: () => Promise<void>): Promise<ExitCodeValue> {
  let closedWith: { code: string; message: string } | undefined;
  const closed = new Promise<void>((resolve) => client.on('closed', (info) => ((closedWith = info), resolve())));
  const answers: Promise<boolean>[] = [];
  const lines = readline.createInterface({ input: source.input, terminal: false });
  const inputDone = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  lines.on('line', (line) => {
    if (closedWith) return;
    const request = toRequest(line);
    if (!request) return;
    answers.push(request.answer);
    if (request.last) lines.close();
  });
  await Promise.race([inputDone, closed]);
  if (!closedWith && allSent) await Promise.race([allSent(), closed]);
  if (!closedWith) {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.client.drainTimeoutMs).unref());
    const result = await Promise.race([Promise.all(answers), timeout]);
    const allAnswered = result !== 'timeout' && result.every(Boolean);
    if (!closedWith) client.stop();
    await closed;
    if (!allAnswered) {
      source.reportError(`The connection ended before the server ${unanswered}.`);
      return ExitCode.cannotConnect;
    }
    return ExitCode.ok;
  }
  lines.close();
  const info: { code: string; message: string } = closedWith;
  if (info.code !== 'LEFT') source.reportError(info.message);
  return exitCodeForClose(info.code);
}
