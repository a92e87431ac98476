// server.json: where a running server listens, written at start (mode 0600) and removed at
// shutdown. The one reader and writer of that file; the client, the package builder and
// rotate-key all learn about a running server here.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { processAlive } from '../common/processes.js';
import { readTextIfExists, writePrivateFile } from './files.js';

export const SERVER_INFO_FILE = 'server.json';

const ServerInfoSchema = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  fingerprint: z.string(),
  pid: z.number().int().positive(),
  version: z.string(),
});

export type ServerInfo = z.infer<typeof ServerInfoSchema>;

export type ServerInfoRead = { state: 'running'; info: ServerInfo; file: string } | { state: 'missing' | 'damaged'; file: string };

export function serverInfoPath(dataDir: string): string {
  return path.join(dataDir, SERVER_INFO_FILE);
}

/** What server.json says, or why there is nothing to say. */
export function readServerInfo(dataDir: string): ServerInfoRead {
  const file = serverInfoPath(dataDir);
  const text = readTextIfExists(file);
  if (text === undefined) return { state: 'missing', file };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'damaged', file };
  }
  const parsed = ServerInfoSchema.safeParse(value);
  return parsed.success ? { state: 'running', info: parsed.data, file } : { state: 'damaged', file };
}

export function writeServerInfo(dataDir: string, info: ServerInfo): void {
  writePrivateFile(serverInfoPath(dataDir), JSON.stringify(info, null, 2) + '\n');
}

export function removeServerInfo(dataDir: string): void {
  fs.rmSync(serverInfoPath(dataDir), { force: true });
}

/** The pid in server.json when that process is still alive (a stale file from a crash is ignored). */
export function runningServerPid(dataDir: string, alive: (pid: number) => boolean = processAlive): number | undefined {
  const read = readServerInfo(dataDir);
  return read.state === 'running' && alive(read.info.pid) ? read.info.pid : undefined;
}
