// The server console's status panel: where to reach the server and how to recognise it.
import { box, makeChalk } from './style.js';

export interface StatusPanelData {
  version: string;
  host: string;
  port: number;
  privateAddresses: { interface: string; address: string; mac: string }[];
  publicAddress: string | undefined;
  fingerprint: string;
  usersOnline: number;
  maxClients: number;
  dataDir: string;
  logFile: string;
  /** The admin dashboard's one-time link (`--dashboard`): its address in the box, the whole link under it. */
  dashboard?: string;
}

export function renderStatusPanel(data: StatusPanelData, color: boolean): string {
  const c = makeChalk(color);
  const rows: [string, string][] = [
    ['Listening', `${data.host}:${data.port}`],
    ['Private IPv4', data.privateAddresses.map((a) => `${a.address} (${a.interface})`).join(', ') || 'none'],
    ['MAC', [...new Set(data.privateAddresses.map((a) => a.mac))].join(', ') || 'unavailable'],
    ['Public IPv4', data.publicAddress ?? 'unavailable'],
    ['Fingerprint', data.fingerprint],
    ['Users online', `${data.usersOnline} / ${data.maxClients}`],
    ['Data dir', data.dataDir],
    ['Log file', data.logFile],
    ...(data.dashboard === undefined ? [] : [['Dashboard', `${new URL(data.dashboard).origin}/ (in your browser)`] as [string, string]]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const body = rows.map(([label, value]) => `${c.bold(label.padEnd(width))}  ${value}`).join('\n');
  // The link on a line of its own: a box would wrap it, and it must stay one piece to be copied.
  const link = data.dashboard === undefined ? '' : `\nDashboard link (works once, in one browser): ${data.dashboard}`;
  return box(body, `Party Pool v${data.version} — server running`, color, 'green') + link + '\n' + c.dim('Press Ctrl-C to stop the server. Live log:');
}
