// The server's logger: console plus a rotated file. Callers pass structured fields; nothing
// here ever receives a message body or a secret (see docs/SECURITY in the README).
import fs from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { config } from '../../config.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  logDir: string;
  /** Also log to the console (the server's live log under its status panel). */
  console: boolean;
  fileName?: string;
}

const lineFormat = winston.format.printf((info) => {
  const { timestamp, level, message, ...fields } = info;
  const extra = Object.entries(fields)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${String(message)}${extra ? ' ' + extra : ''}`;
});

function consoleColor(): boolean {
  if (process.env.NO_COLOR) return false;
  return Boolean(process.stdout.isTTY) || Boolean(process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0');
}

/** Create the log directory (owner-only) and a logger writing to it. */
export function createLogger(options: LoggerOptions): Logger {
  fs.mkdirSync(options.logDir, { recursive: true, mode: 0o700 });
  const transports: winston.transport[] = [
    new winston.transports.File({
      filename: path.join(options.logDir, options.fileName ?? 'server.log'),
      maxsize: config.log.maxFileBytes,
      maxFiles: config.log.maxFiles,
      tailable: true,
      options: { mode: 0o600 },
      format: winston.format.combine(winston.format.timestamp(), lineFormat),
    }),
  ];
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        format: winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss' }),
          ...(consoleColor() ? [winston.format.colorize()] : []),
          lineFormat,
        ),
      }),
    );
  }
  return winston.createLogger({ level: 'info', transports });
}

/** A logger that drops everything, for components run without a server (tests, tools). */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Flush file transports before the process exits so the last lines are on disk. */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
    setTimeout(resolve, 1000).unref();
  });
}
