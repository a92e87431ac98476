// Line mode's contract, shared by `party-pool client` and `party-pool root` when stdin is not a
// terminal: every input line becomes one request; at the end of input wait until the server has
// answered every request, then leave; exit 0 only when everything was answered and accepted (a
// refused line, e.g. an unknown command or a room that does not exist, makes it 1 and is named).
import readline from 'node:readline';
import { config } from '../../config.js';
import { ExitCode, exitCodeForClose, type ExitCodeValue } from '../common/errors.js';
import type { ChatClient } from './chat-client.js';
import type { ReplyEffect } from './request-tracker.js';

/** What one input line turned into: the pending answer, and whether it ends the session. */
export interface LineRequest {
  answer: Promise<boolean>;
  last: boolean;
  /** What the line was, for the closing list of refused lines: "/join", "a chat line" (never its text: it may hold a password). */
  label: string;
}

/** A line the server refused: its number in the input, what it was, and the server's reason. */
interface Refusal {
  line: number;
  label: string;
  message: string;
}

const REFUSALS_LISTED = 10;

/** "Line 3 (/join) was refused: There is no room #nope." or a list of the first few. */
function refusalReport(refusals: readonly Refusal[]): string {
  const [only] = refusals;
  if (refusals.length === 1 && only) return `Line ${only.line} (${only.label}) was refused: ${only.message}`;
  const listed = refusals.slice(0, REFUSALS_LISTED).map((r) => `line ${r.line} (${r.label}): ${r.message}`);
  const more = refusals.length > REFUSALS_LISTED ? `; and ${refusals.length - REFUSALS_LISTED} more` : '';
  return `${refusals.length} lines were refused — ${listed.join('; ')}${more}`;
}

export interface LineSource {
  /** The lines to send (the run's stdin). */
  input: NodeJS.ReadableStream;
  /** Tell the person why the session ended badly (one sentence, on stderr). */
  reportError: (text: string) => void;
}

/**
 * Read the input to the end, sending what `toRequest` makes of each line (it passes `onReply` to
 * the client's say or command, so a refusal is seen). `unanswered` finishes the sentence printed
 * when the connection ends before every request was answered. `allSent`, when requests are paced,
 * resolves once the last one has left; the wait for answers starts then.
 */
export async function runInputLines(
  client: ChatClient,
  source: LineSource,
  toRequest: (line: string, onReply: ReplyEffect) => LineRequest | undefined,
  unanswered: string,
  allSent?: () => Promise<void>,
): Promise<ExitCodeValue> {
  let closedWith: { code: string; message: string } | undefined;
  const closed = new Promise<void>((resolve) => client.on('closed', (info) => ((closedWith = info), resolve())));
  const answers: Promise<boolean>[] = [];
  const refusals: Refusal[] = [];
  const lines = readline.createInterface({ input: source.input, terminal: false });
  const inputDone = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  let lineNumber = 0;
  lines.on('line', (line) => {
    lineNumber += 1;
    if (closedWith) return;
    const number = lineNumber;
    let label = '';
    const request = toRequest(line, (reply) => {
      if (reply.type === 'error') refusals.push({ line: number, label, message: reply.message });
    });
    if (!request) return;
    label = request.label;
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
    if (refusals.length > 0) {
      source.reportError(refusalReport(refusals.sort((a, b) => a.line - b.line)));
      return ExitCode.runtime;
    }
    return ExitCode.ok;
  }
  lines.close();
  const info: { code: string; message: string } = closedWith;
  if (info.code !== 'LEFT') source.reportError(info.message);
  return exitCodeForClose(info.code);
}
