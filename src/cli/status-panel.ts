// The server console's status panel: where the server can be reached from (this machine, the
// LAN, the internet), how to recognise it, where its files are. At a terminal it is a box, and a
// live footer below the scrolling log shows who is online and the last events; for a service
// manager's log (stdout not a terminal) it is plain "label: value" lines and no footer.
import type { ChalkInstance } from 'chalk';
import type { AddressScope, ReachableAddress } from '../common/network-info.js';
import type { OutputStream } from './io.js';
import { sanitizeForTerminal } from './sanitize.js';
import { box, makeChalk } from './style.js';
import { truncateToWidth } from './table.js';

type PanelAddress = ReachableAddress;

/** This server's address on the internet: as the admin typed it, as a named service said, or unknown (and why). */
export type PublicAddress = { kind: 'typed'; address: string } | { kind: 'looked-up'; address: string; service: string } | { kind: 'lookup-failed'; service: string } | { kind: 'off' };

export interface StatusPanelData {
  version: string;
  host: string;
  port: number;
  loopbackOnly: boolean;
  /** Where the server answers (network-info.ts reachableAddresses). */
  addresses: readonly PanelAddress[];
  publicAddress: PublicAddress;
  fingerprint: string;
  maxClients: number;
  dataDir: string;
  logFile: string;
  /** More rows a feature adds (e.g. a dashboard's address), shown before the files. */
  extraRows?: readonly (readonly [string, string])[];
}

function withPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The rows of the panel: label and value (a value may span lines). */
export function statusRows(data: StatusPanelData): [string, string][] {
  const rows: [string, string][] = [];
  const every = data.host === '0.0.0.0' || data.host === '::';
  rows.push(['Listening', `${withPort(data.host, data.port)}${data.loopbackOnly ? ' (this machine only)' : every ? ' (every network of this machine)' : ''}`]);
  if (data.loopbackOnly) {
    rows.push(['Reachable', 'only from this machine: friends cannot connect.\nTo let them, listen on 0.0.0.0 (the host setting: --host or PARTY_POOL_HOST).']);
  }
  const scoped = (scope: AddressScope): PanelAddress[] => data.addresses.filter((a) => a.scope === scope);
  const described = (a: PanelAddress): string => `${withPort(a.address, data.port)}${a.interface ? ` (${a.interface}${a.mac && a.mac !== '00:00:00:00:00:00' ? `, MAC ${a.mac}` : ''})` : ''}`;
  const loopback = scoped('loopback');
  if (loopback.length > 0 && !data.loopbackOnly) rows.push(['This machine', loopback.map((a) => withPort(a.address, data.port)).join(', ')]);
  const lan = scoped('lan');
  if (!data.loopbackOnly) rows.push(['LAN', lan.length > 0 ? `${lan.map(described).join('\n')}\nfriends on the same network connect here` : 'no LAN address found']);
  const direct = scoped('public');
  if (direct.length > 0) rows.push(['Internet', `${direct.map(described).join('\n')}\nthis machine has a public address: anyone can reach it (check its firewall)`]);
  else if (!data.loopbackOnly) rows.push(['Internet', publicText(data.publicAddress, data.port)]);
  const virtual = scoped('virtual');
  if (virtual.length > 0) rows.push(['Other', `${virtual.map(described).join('\n')}\ncontainer or VPN bridges: usually not reachable by friends`]);
  rows.push(['Fingerprint', data.fingerprint]);
  rows.push(['Max users', String(data.maxClients)]);
  for (const [label, value] of data.extraRows ?? []) rows.push([label, value]);
  rows.push(['Data dir', data.dataDir]);
  rows.push(['Log file', data.logFile]);
  return rows;
}

function publicText(known: PublicAddress, port: number): string {
  const forwarding = `friends elsewhere connect here once your router forwards TCP port ${port} to this machine (README: "Reaching the server from the internet")`;
  switch (known.kind) {
    case 'typed':
      return `${withPort(known.address, port)} (as set in PARTY_POOL_PUBLIC_ADDRESS)\n${forwarding}`;
    case 'looked-up':
      return `${withPort(known.address, port)} (as ${known.service} sees this machine)\n${forwarding}`;
    case 'lookup-failed':
      return `unknown: asking ${known.service} failed.\nSet PARTY_POOL_PUBLIC_ADDRESS to your public address or DNS name to show it here.`;
    case 'off':
      return 'not looked up: no outside service is asked.\nSet PARTY_POOL_PUBLIC_ADDRESS to your public address or DNS name,\nor PARTY_POOL_PUBLIC_IP_URL to a what-is-my-IP service (e.g. https://api.ipify.org).';
  }
}

/** Label, value; a value's later lines line up under its first. `after` follows each label ("" or ":"). */
function layout(rows: readonly [string, string][], label: (text: string) => string, after: string, gap: number): string {
  const width = Math.max(...rows.map(([name]) => name.length)) + after.length + gap;
  return rows
    .map(([name, value]) => {
      const [first = '', ...rest] = value.split('\n');
      return [label((name + after).padEnd(width)) + first, ...rest.map((line) => ' '.repeat(width) + line)].join('\n');
    })
    .join('\n');
}

/** The panel: a box for a terminal, plain "label: value" lines otherwise (a service manager's log). */
export function renderStatusPanel(data: StatusPanelData, options: { color: boolean; boxed: boolean }): string {
  const c = makeChalk(options.color);
  const rows = statusRows(data);
  if (!options.boxed) return [`Party Pool v${data.version}: server running`, ...layout(rows, (text) => text, ':', 1).split('\n')].join('\n');
  const body = layout(rows, (text) => c.bold(text), '', 2);
  return [
    box(body, `Party Pool v${data.version} — server running`, options.color, data.loopbackOnly ? 'yellow' : 'green'),
    c.dim('Ctrl-C stops the server. To manage it: npm start in another terminal, then Login as Administrator (Root).'),
    c.dim('Live log:'),
  ].join('\n');
}

/** One event of the live footer: "12:03:11 bob joined". */
export interface StatusEvent {
  time: string;
  text: string;
}

export interface LiveStatusData {
  usersOnline: number;
  maxClients: number;
  names: readonly string[];
  events: readonly StatusEvent[];
}

/** The footer's lines (plain text; the footer cuts them to the terminal's width and dims them). */
export function liveStatusLines(data: LiveStatusData): string[] {
  const names = data.names.map((name) => sanitizeForTerminal(name)).join(', ');
  const events = data.events.map((event) => `${event.time} ${sanitizeForTerminal(event.text)}`).join(' · ');
  return [`── Users online ${data.usersOnline} / ${data.maxClients}${names ? `: ${names}` : ''}`, `── Last events: ${events || 'none yet'}   (Ctrl-C stops the server)`];
}

/**
 * A few lines kept at the bottom of a terminal, under a scrolling log: each log line erases the
 * footer, is written, and the footer is drawn again, so the log scrolls (and stays in the
 * terminal's scroll-back) while the footer always shows the current state.
 */
export class LiveFooter {
  private lines: string[] = [];
  private drawnRows = 0;
  private closed = false;
  private readonly chalk: ChalkInstance;
  private readonly onResize = (): void => this.redraw();

  constructor(
    private readonly output: OutputStream,
    color: boolean,
  ) {
    this.chalk = makeChalk(color);
    output.on('resize', this.onResize);
  }

  /** Write a log line above the footer. */
  log(line: string): void {
    if (this.closed) {
      this.output.write(line + '\n');
      return;
    }
    this.erase();
    this.output.write(line + '\n');
    this.draw();
  }

  /** Show new footer lines. */
  update(lines: readonly string[]): void {
    if (this.closed) return;
    this.erase();
    this.lines = [...lines];
    this.draw();
  }

  /** Remove the footer for good (the server stopped); later lines are written plainly. */
  close(): void {
    if (this.closed) return;
    this.erase();
    this.closed = true;
    this.output.off('resize', this.onResize);
  }

  private redraw(): void {
    if (this.closed) return;
    this.erase();
    this.draw();
  }

  private erase(): void {
    if (this.drawnRows === 0) return;
    // The cursor rests at the end of the footer's last row: go to the start of its first, clear below.
    this.output.write('\r' + (this.drawnRows > 1 ? `\u001b[${this.drawnRows - 1}A` : '') + '\u001b[J');
    this.drawnRows = 0;
  }

  private draw(): void {
    if (this.lines.length === 0) return;
    const columns: unknown = Reflect.get(this.output, 'columns');
    const width = typeof columns === 'number' && columns > 1 ? columns - 1 : 79;
    // Cut to the width, so each line is exactly one row and erase() knows how far to go back.
    this.output.write(this.lines.map((line) => this.chalk.dim(truncateToWidth(line, width))).join('\n'));
    this.drawnRows = this.lines.length;
  }
}
