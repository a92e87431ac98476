// Colours and boxes, honouring NO_COLOR and plain (non-TTY) output.
import boxen from 'boxen';
import { Chalk, type ChalkInstance } from 'chalk';

/** Colour on a terminal unless NO_COLOR is set; FORCE_COLOR forces it anywhere. */
export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** Whether a run's output gets colour. */
export function colorFor(io: { stdout: { isTTY?: boolean }; env: Readonly<Record<string, string | undefined>> }): boolean {
  return colorEnabled(io.stdout, io.env);
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 2 : 0 });
}

const USER_COLORS = ['cyan', 'green', 'magenta', 'blue', 'yellow', 'cyanBright', 'greenBright', 'magentaBright', 'blueBright'] as const;

/** A stable colour per name, so people are easy to tell apart. */
export function colorForName(c: ChalkInstance, name: string): ChalkInstance {
  let hash = 0;
  for (const ch of name.toLowerCase()) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return c[USER_COLORS[hash % USER_COLORS.length] ?? 'cyan'];
}

export function box(text: string, title: string, color: boolean, borderColor: 'cyan' | 'yellow' | 'red' | 'green' = 'cyan'): string {
  return boxen(text, { title, padding: { left: 1, right: 1, top: 0, bottom: 0 }, borderStyle: 'round', ...(color ? { borderColor } : {}) });
}
