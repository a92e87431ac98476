// Storage budgets: how much new data one person, one address, one room and the whole server may
// add in a day (UTC), and the low-disk reserve below which nothing new is added at all. One place
// for every kind of data a member can make the server keep:
//   history   chat bytes stored (per sender name and per address, per room, server-wide)
//   requests  /request lines (per name and per address)
//   accounts  names registered (per address)
//   uploads   file bytes (per name and per address, server-wide) — spent by the file service:
//             call `spend({ kind: 'uploads', user, address, amount: bytes })` before accepting an
//             upload; a refusal is the error to answer with (QUOTA_EXCEEDED or DISK_LOW).
// Per-address budgets leave out the server's own machine (127.0.0.1, ::1), whose users are still
// counted by name. A spend is all or nothing: refused, nothing is counted. Counts start again at 00:00 UTC; chat
// history's are read back from the database at start, the others begin at zero after a restart.
import type { ErrorCode } from '../../common/errors.js';
import { nameKey } from '../../protocol/names.js';
import { LOCAL_ADDRESSES, rateKey } from '../abuse/rate-key.js';
import { formatDuration } from '../moderation/durations.js';
import { formatBytes, type DiskSpace } from './disk-space.js';

export type QuotaKind = 'history' | 'requests' | 'accounts' | 'uploads';

/** Each day's allowances (0 turns one off). */
export interface QuotaLimits {
  readonly historyBytesPerUser: number;
  readonly historyBytesPerRoom: number;
  readonly historyBytesPerServer: number;
  readonly requestsPerUser: number;
  readonly accountsPerAddress: number;
  readonly uploadBytesPerUser: number;
  readonly uploadBytesPerServer: number;
}

export interface Spend {
  readonly kind: QuotaKind;
  /** The member's name (guests included); counted by name key. */
  readonly user?: string | undefined;
  /** Where they connect from; counted by IPv4 address or IPv6 /64. */
  readonly address?: string | undefined;
  /** The room a chat line goes to (its id). */
  readonly roomId?: number | undefined;
  readonly roomName?: string | undefined;
  /** Bytes (history, uploads) or items (requests, accounts). */
  readonly amount: number;
}

export interface QuotaRefusal {
  readonly code: Extract<ErrorCode, 'QUOTA_EXCEEDED' | 'DISK_LOW' | 'REGISTRATION_LIMITED'>;
  readonly message: string;
}

const DAY_MS = 86_400_000;

type Scope = 'user' | 'address' | 'room' | 'server';

interface Budget {
  readonly scope: Scope;
  readonly limit: number;
}

export class StorageQuotas {
  private day = -1;
  /** Today's totals, by "kind/scope/key". */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly limits: QuotaLimits,
    private readonly disk: DiskSpace,
    private readonly now: () => number,
  ) {}

  /**
   * Count `spend` if every budget it touches has room (and the disk is above its reserve), and
   * return undefined; otherwise count nothing and return the refusal to answer with.
   */
  spend(spend: Spend): QuotaRefusal | undefined {
    const refusal = this.diskRefusal() ?? this.budgetRefusal(spend);
    if (refusal) return refusal;
    for (const [key] of this.keysOf(spend)) this.used.set(key, (this.used.get(key) ?? 0) + spend.amount);
    return undefined;
  }

  /** DISK_LOW when the disk is below its reserve (for new data that has no budget of its own: rooms). */
  diskRefusal(): QuotaRefusal | undefined {
    if (this.disk.level !== 'low') return undefined;
    const free = this.disk.free;
    return { code: 'DISK_LOW', message: `The server's disk is nearly full${free === undefined ? '' : ` (${formatBytes(free)} free)`}: nothing new is stored until the admin frees space. Nothing was saved.` };
  }

  /** Add what was stored before this start (chat history of today, read back from the database). */
  seed(kind: QuotaKind, spend: Omit<Spend, 'kind'>): void {
    this.rollOver();
    for (const [key] of this.keysOf({ ...spend, kind })) this.used.set(key, (this.used.get(key) ?? 0) + spend.amount);
  }

  /** Today's total of `kind` server-wide (for `stats`). */
  usedToday(kind: QuotaKind): number {
    this.rollOver();
    return this.used.get(`${kind}/server/`) ?? 0;
  }

  /** Where today started (ms since the epoch, UTC). */
  dayStart(): number {
    return Math.floor(this.now() / DAY_MS) * DAY_MS;
  }

  get allowances(): QuotaLimits {
    return this.limits;
  }

  private budgetRefusal(spend: Spend): QuotaRefusal | undefined {
    this.rollOver();
    for (const [key, budget] of this.keysOf(spend)) {
      if (budget.limit <= 0) continue;
      if ((this.used.get(key) ?? 0) + spend.amount > budget.limit) return this.refusal(spend, budget);
    }
    return undefined;
  }

  /** Every budget a spend counts against, with its key in `used`. */
  private keysOf(spend: Spend): [string, Budget][] {
    const out: [string, Budget][] = [];
    const add = (scope: Scope, key: string | undefined, limit: number): void => {
      if (key !== undefined) out.push([`${spend.kind}/${scope}/${key}`, { scope, limit }]);
    };
    const user = spend.user === undefined ? undefined : nameKey(spend.user);
    // The server's own machine is counted by name only (rate-key.ts says why).
    const address = spend.address === undefined || LOCAL_ADDRESSES.has(spend.address) ? undefined : rateKey(spend.address);
    const l = this.limits;
    switch (spend.kind) {
      case 'history':
        add('user', user, l.historyBytesPerUser);
        add('address', address, l.historyBytesPerUser);
        add('room', spend.roomId === undefined ? undefined : String(spend.roomId), l.historyBytesPerRoom);
        add('server', '', l.historyBytesPerServer);
        break;
      case 'requests':
        add('user', user, l.requestsPerUser);
        add('address', address, l.requestsPerUser);
        break;
      case 'accounts':
        add('address', address, l.accountsPerAddress);
        break;
      case 'uploads':
        add('user', user, l.uploadBytesPerUser);
        add('address', address, l.uploadBytesPerUser);
        add('server', '', l.uploadBytesPerServer);
        break;
    }
    return out;
  }

  private refusal(spend: Spend, budget: Budget): QuotaRefusal {
    const again = `It starts again at 00:00 UTC, in ${formatDuration(this.dayStart() + DAY_MS - this.now())}.`;
    const amount = (n: number): string => (spend.kind === 'history' || spend.kind === 'uploads' ? formatBytes(n) : String(n));
    const what = { history: 'chat', requests: 'requests', accounts: 'new accounts', uploads: 'uploads' }[spend.kind];
    if (spend.kind === 'accounts') return { code: 'REGISTRATION_LIMITED', message: `${budget.limit} name${budget.limit === 1 ? ' was' : 's were'} registered from your address today, the most this server allows. ${again}` };
    const whose = budget.scope === 'server' ? 'The server has taken in' : budget.scope === 'room' ? `${spend.roomName ?? 'This room'} has taken in` : budget.scope === 'address' ? 'Your address has sent' : 'You have sent';
    return { code: 'QUOTA_EXCEEDED', message: `${whose} ${amount(budget.limit)} of ${what} today, the most this server stores per ${budget.scope === 'address' ? 'address' : budget.scope === 'server' ? 'day' : budget.scope === 'room' ? 'room a day' : 'person a day'}; nothing was saved. ${again}` };
  }

  private rollOver(): void {
    const day = Math.floor(this.now() / DAY_MS);
    if (day === this.day) return;
    this.day = day;
    this.used.clear();
  }
}
