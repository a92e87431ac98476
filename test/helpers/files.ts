// Shared by the file-sharing tests: logged-in ChatClients with their FileTransfers, files of
// random bytes, and what a transfer reported.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TransferNotice } from '../../src/cli/file-view.js';
import { ChatClient } from '../../src/link/chat-client.js';
import type { DirectFile, DirectFileChannel } from '../../src/link/direct-files.js';
import { FileTransfers, type FileTransfersOptions } from '../../src/link/file-transfers.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { PASSKEY, tempDir, type TestServer } from './server.js';

export interface FileClient {
  client: ChatClient;
  transfers: FileTransfers;
  /** Every server message, in order. */
  messages: ServerMessage[];
  notices: TransferNotice[];
  downloads: string;
  close: () => void;
}

/** A ChatClient logged in as `name` with FileTransfers saving into a fresh folder. */
export async function fileClient(t: Pick<TestServer, 'port' | 'fingerprint'>, name: string, options: Partial<FileTransfersOptions> & { reconnect?: boolean; port?: number } = {}): Promise<FileClient> {
  const client = new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port: options.port ?? t.port }], fingerprints: [t.fingerprint] },
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: options.reconnect ?? false,
    random: () => 0,
    reconnectInitialDelayMs: 50,
  });
  const messages: ServerMessage[] = [];
  const notices: TransferNotice[] = [];
  client.on('message', (message) => messages.push(message));
  await client.start();
  const downloads = tempDir('party-pool-downloads-');
  const transfers = new FileTransfers(client, { downloadsDir: downloads, cwd: downloads, progressIntervalMs: 20, ...options });
  transfers.on('notice', (notice) => notices.push(notice));
  return {
    client,
    transfers,
    messages,
    notices,
    downloads,
    close: () => {
      transfers.close();
      client.stop();
    },
  };
}

/** A file of `size` random bytes (or `content`) in `dir`; returns its path and SHA-256. */
export function makeFile(dir: string, name: string, size: number, content?: Buffer): { path: string; sha256: string; bytes: Buffer } {
  const bytes = content ?? crypto.randomBytes(size);
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { path: file, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), bytes };
}

export function sha256Of(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The `file` events a client saw (shared files, not answers to requests). */
export function sharedFiles(messages: ServerMessage[]): Extract<ServerMessage, { type: 'file' }>[] {
  return messages.filter((m): m is Extract<ServerMessage, { type: 'file' }> => m.type === 'file' && m.ref === undefined);
}

/**
 * Two ends of a pretend direct-message layer: what one side's `sendFile` sends, the other side's
 * `fileFor` knows. Stands in for issue 13's DM wiring, which carries exactly this payload sealed.
 */
export function directPair(): { channel: (me: string) => DirectFileChannel; sent: { from: string; to: string; file: DirectFile }[] } {
  const sent: { from: string; to: string; file: DirectFile }[] = [];
  const channel = (me: string): DirectFileChannel => ({
    sendFile: (to, file) => {
      sent.push({ from: me, to, file });
      return Promise.resolve();
    },
    fileFor: (id) => sent.find((entry) => entry.file.id === id && (entry.to.toLowerCase() === me.toLowerCase() || entry.from === me))?.file,
  });
  return { channel, sent };
}
