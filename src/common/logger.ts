// The server's logger: console plus a rotated file. Callers pass structured fields; nothing
// here ever receives a message body or a secret (see docs/SECURITY in the README).
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { config } from '../../config.js';
import { LogFileTransport } from './log-file.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  logDir: string;
  /** Also log to the console (the server's live log under its status panel). */
  console: boolean;
  fileName?: string;
  /** error, warn, info (the default) or debug; a reload may change logger.level later. */
  level?: string;
  /** Where console lines go instead of stdout (the server's live status screen keeps its footer below them). */
  consoleWrite?: (line: string) => void;
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
  const fileName = options.fileName ?? 'server.log';
  const transports: winston.transport[] = [
    new LogFileTransport({
      file: path.join(options.logDir, fileName),
      maxFileBytes: config.log.maxFileBytes,
      maxFiles: config.log.maxFiles,
      maxQueuedBytes: config.log.maxQueuedBytes,
      format: winston.format.combine(winston.format.timestamp(), lineFormat),
    }),
  ];
  if (options.console) {
    const format = winston.format.combine(winston.format.timestamp({ format: 'HH:mm:ss' }), ...(consoleColor() ? [winston.format.colorize()] : []), lineFormat);
    const write = options.consoleWrite;
    if (write) {
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          write(chunk.toString().replace(/\r?\n$/, ''));
          done();
        },
      });
      transports.push(new winston.transports.Stream({ stream, format }));
    } else {
      transports.push(new winston.transports.Console({ format }));
    }
  }
  const logger = winston.createLogger({ level: options.level ?? 'info', transports });
  // Without a listener, an error from a transport or a line logged after close() would be an
  // uncaught 'error' and end the process.
  logger.on('error', () => undefined);
  return logger;
}

/** Call `listener` whenever the log file cannot be written (a full disk); returns how to stop. */
export function onLogFileFailure(logger: Logger, listener: (error: unknown) => void): () => void {
  const files = logger.transports.filter((transport) => transport instanceof LogFileTransport);
  for (const file of files) file.on('failure', listener);
  return () => {
    for (const file of files) file.off('failure', listener);
  };
}

/** A logger that drops everything, for components run without a server (tests, tools). */
export function createSilentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Flush file transports before the process exits so the last lines are on disk. */
export async function closeLogger(logger: Logger): Promise<void> {
  const files = logger.transports.filter((transport) => transport instanceof LogFileTransport);
  await new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
    setTimeout(resolve, 1000).unref();
  });
  await Promise.race([Promise.all(files.map((file) => file.flushed())), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
}
