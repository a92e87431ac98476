// The admin dashboard beside a test server, wired the way `party-pool server --dashboard` wires
// it (run-server.ts's dashboardServerSide, gui's startDashboard), and audit.log as records.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { startDashboard, type AdminApp } from '../../src/gui/run-admin.js';
import { dashboardServerSide } from '../../src/server/run-server.js';
import { PASSKEY, ROOT_PASSWORD, type TestServer } from './server.js';

export interface TestDashboard {
  url: string;
  app: AdminApp;
  newLink: () => string;
  close: () => Promise<void>;
}

export function memoryIo(): CliIo {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, isTTY: false };
}

/** Start the dashboard for `t` (no browser is opened); the caller closes it. */
export async function startTestDashboard(t: TestServer, options: { pollMs?: number } = {}): Promise<TestDashboard> {
  const host = {
    version: 'test',
    host: t.settings.host,
    port: t.port,
    privateAddresses: [{ interface: 'eth0', address: '192.0.2.10', mac: '02:00:00:00:00:01' }],
    publicAddress: null,
    fingerprint: t.fingerprint,
    maxClients: t.settings.maxClients,
    dataDir: t.dataDir,
    logFile: path.join(t.logDir, 'server.log'),
  };
  const { side, feed } = dashboardServerSide(t.server, host, { passkey: PASSKEY, rootPassword: ROOT_PASSWORD }, t.server.logger);
  const dashboard = await startDashboard(side, { io: memoryIo(), open: false, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
  return {
    url: dashboard.url,
    app: dashboard.app,
    newLink: dashboard.newLink,
    close: async () => {
      await dashboard.close();
      feed.close();
    },
  };
}

export interface AuditRecord {
  who: string;
  from: string;
  action: string;
  targets?: string[];
  result: string;
  detail?: string;
}

/** Every record in <log-dir>/audit.log so far. */
export function auditRecords(logDir: string): AuditRecord[] {
  const file = path.join(logDir, 'audit.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}
