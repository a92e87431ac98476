// The dashboard's panels: the server's facts and its live state, each a section with a heading.
// Row buttons ask for a confirmation (action-dialogs.ts); nothing is done from here directly.
import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import type { DashboardHost, DashboardSnapshot } from '../../../../protocol/dashboard.js';
import type { Confirmation } from './action-dialogs.js';
import { bytes, duration, localTime } from './format.js';
import { Table } from './table.js';

type Ask = (confirm: Confirmation) => void;

export function Panel({ id, title, children, wide, span }: { id: string; title: string; children: ComponentChildren; wide?: boolean; span?: boolean }): VNode {
  return html`<section class=${wide ? 'card wide' : span ? 'card span2' : 'card'} aria-labelledby=${`${id}-title`}>
    <h2 id=${`${id}-title`}>${title}</h2>
    ${children}
  </section>`;
}

function shownOf(shown: number, total: number): string | undefined {
  return shown < total ? `${shown} of ${total} shown.` : undefined;
}

export function StatusPanel({ host, snapshot }: { host: DashboardHost; snapshot: DashboardSnapshot | null }): VNode {
  const macs = [...new Set(host.privateAddresses.map((a) => a.mac))];
  const rows: [string, string][] = [
    ['Listening', `${host.host}:${host.port}`],
    ['Private IPv4', host.privateAddresses.map((a) => `${a.address} (${a.interface})`).join(', ') || 'none'],
    ['MAC', macs.join(', ') || 'unavailable'],
    ['Public IPv4', host.publicAddress ?? 'unavailable (the look-up is off or failed)'],
    ['Fingerprint', host.fingerprint],
    ['Version', host.version],
    ['Data dir', host.dataDir],
    ['Log file', host.logFile],
  ];
  const lockdown = snapshot?.lockdown;
  const shutdown = snapshot?.shutdown;
  return html`<${Panel} id="status" title="Server">
    <dl class="facts">
      ${rows.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}
      <div><dt>Users online</dt><dd><output id="users-online" aria-live="polite">${snapshot ? `${snapshot.usersOnline} / ${host.maxClients}` : '…'}</output>${snapshot && snapshot.rootsOnline > 0 ? html` <span class="meta">(and ${snapshot.rootsOnline} root session${snapshot.rootsOnline === 1 ? '' : 's'})</span>` : null}</dd></div>
      <div><dt>Lockdown</dt><dd>${lockdown ? (lockdown.on ? html`<strong class="warn">On</strong> since ${localTime(lockdown.since)} (${lockdown.by})` : 'Off') : '…'}</dd></div>
      <div><dt>Shutdown</dt><dd>${shutdown ? html`<strong class="warn">At ${localTime(shutdown.endsAt)}</strong> (${shutdown.by})` : 'None scheduled'}</dd></div>
    </dl>
  <//>`;
}

export function SessionsPanel({ snapshot, ask }: { snapshot: DashboardSnapshot; ask: Ask }): VNode {
  const sessions = snapshot.sessions;
  return html`<${Panel} id="sessions" title=${`Sessions (${snapshot.sessionsTotal})`} wide=${true}>
    <${Table}
      caption="Sessions"
      columns=${['name', 'role', 'address', 'connected since', 'idle', 'package']}
      rows=${sessions.map((s) => [s.name, s.role, s.address, localTime(s.connectedAt), duration(s.idleSeconds), s.packageId ?? ''])}
      empty="Nobody is connected."
      note=${shownOf(sessions.length, snapshot.sessionsTotal)}
      actions=${(_row: string[], index: number) => {
        const session = sessions[index];
        if (!session || session.role !== 'user') return null;
        return html`<button type="button" aria-label=${`Kick ${session.name}`} onClick=${() => ask({ kind: 'kick', name: session.name })}>Kick</button>
          <button type="button" aria-label=${`Ban ${session.name}`} onClick=${() => ask({ kind: 'ban', name: session.name, address: session.address })}>Ban…</button>`;
      }}
    />
  <//>`;
}

export function RoomsPanel({ snapshot }: { snapshot: DashboardSnapshot }): VNode {
  return html`<${Panel} id="rooms" title=${`Rooms (${snapshot.rooms.length})`}>
    <${Table} caption="Rooms" columns=${['room', 'kind', 'owner', 'members', 'online']} rows=${snapshot.rooms.map((r) => [r.name, r.private ? 'invite-only' : 'public', r.owner ?? '', String(r.members), String(r.online)])} />
  <//>`;
}

export function StatsPanel({ snapshot }: { snapshot: DashboardSnapshot }): VNode {
  const s = snapshot.stats;
  const rows: [string, string][] = [
    ['Uptime', `${duration(s.uptimeSeconds)} (since ${localTime(s.startedAt)})`],
    ['Total visits', String(s.totalVisits)],
    ['Peak sessions', `${s.peakSessions}${s.peakAt ? ` (${localTime(s.peakAt)})` : ''}`],
    ['Messages relayed', String(s.messagesRelayed)],
    ['Bytes in / out', `${bytes(s.bytesIn)} / ${bytes(s.bytesOut)}`],
    ['Counting since', localTime(s.since)],
  ];
  return html`<${Panel} id="stats" title="Statistics" span=${true}>
    <dl class="facts">${rows.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>
    <h3>Per address</h3>
    <${Table}
      caption="Statistics per address"
      columns=${['address', 'connections', 'failed logins', 'times banned', 'last seen']}
      rows=${s.addresses.map((a) => [a.address, String(a.connections), String(a.failedAuth), String(a.timesBanned), localTime(a.lastSeen)])}
      empty="No address seen yet."
    />
  <//>`;
}

export function BansPanel({ snapshot, ask }: { snapshot: DashboardSnapshot; ask: Ask }): VNode {
  const bans = snapshot.bans;
  return html`<${Panel} id="bans" title=${`Bans (${snapshot.bansTotal})`} span=${true}>
    <${Table}
      caption="Bans"
      columns=${['kind', 'target', 'by', 'since', 'expires']}
      rows=${bans.map((b) => [b.kind, b.target, b.by, localTime(b.since), b.expires ? localTime(b.expires) : 'never'])}
      empty="No bans."
      note=${shownOf(bans.length, snapshot.bansTotal)}
      actions=${(_row: string[], index: number) => {
        const ban = bans[index];
        return ban ? html`<button type="button" aria-label=${`Unban ${ban.target}`} onClick=${() => ask({ kind: 'unban', target: ban.target })}>Unban</button>` : null;
      }}
    />
  <//>`;
}

export function RequestsPanel({ snapshot }: { snapshot: DashboardSnapshot }): VNode {
  return html`<${Panel} id="requests" title="Requests">
    ${snapshot.requests.length === 0 ? html`<p class="meta">No requests yet. Users file them with /request.</p>` : html`<ol class="plain-list">${[...snapshot.requests].reverse().map((line) => html`<li>${line}</li>`)}</ol>`}
  <//>`;
}

export function PackagesPanel({ snapshot, ask }: { snapshot: DashboardSnapshot; ask: Ask }): VNode {
  const packages = snapshot.packages;
  return html`<${Panel} id="packages" title=${`Issued packages (${snapshot.packagesTotal})`} wide=${true}>
    <${Table}
      caption="Issued packages"
      columns=${['id', 'kind', 'platforms', 'version', 'issued', 'note', 'revoked']}
      rows=${packages.map((p) => [p.id, p.kind, p.platforms.join(', '), p.version, localTime(p.createdAt), p.note, p.revokedAt ? localTime(p.revokedAt) : ''])}
      empty="No packages issued yet."
      note=${shownOf(packages.length, snapshot.packagesTotal)}
      actions=${(_row: string[], index: number) => {
        const pkg = packages[index];
        if (!pkg || pkg.revokedAt !== null) return null;
        return html`<button type="button" aria-label=${`Revoke ${pkg.id}`} onClick=${() => ask({ kind: 'revoke', packageId: pkg.id })}>Revoke</button>`;
      }}
    />
  <//>`;
}
