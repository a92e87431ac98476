// The bans table seen from outside the server: `party-pool admin bans` and `admin unban` on a
// stopped server. The running server keeps its bans in memory (server/moderation/bans.ts) and is
// the only writer while it runs; these are for when it does not (the offline admin refuses then).
import { z } from 'zod';
import type { Db } from './store.js';

export interface BanRow {
  kind: 'name' | 'address';
  target: string;
  createdAt: number;
  expiresAt: number | null;
  createdBy: string;
}

const rowSchema = z.object({ kind: z.enum(['name', 'address']), target: z.string(), created_at: z.number(), expires_at: z.number().nullable(), created_by: z.string() });

/** Bans still in force at `now`: permanent first, then soonest expiry first (as the root console's `bans`). */
export function listBanRows(db: Db, now: number): BanRow[] {
  const rows = db.prepare('SELECT kind, target, created_at, expires_at, created_by FROM bans WHERE expires_at IS NULL OR expires_at > ? ORDER BY expires_at IS NOT NULL, expires_at, target').all(now);
  return rows.flatMap((row) => {
    const parsed = rowSchema.safeParse(row);
    return parsed.success ? [{ kind: parsed.data.kind, target: parsed.data.target, createdAt: parsed.data.created_at, expiresAt: parsed.data.expires_at, createdBy: parsed.data.created_by }] : [];
  });
}

/** Delete the ban on `targets` (the canonical form, and the form as typed); false when there was none. */
export function deleteBanRows(db: Db, kind: 'name' | 'address', targets: readonly string[]): boolean {
  const unique = [...new Set(targets)];
  return db.prepare(`DELETE FROM bans WHERE kind = ? AND target IN (${unique.map(() => '?').join(', ')})`).run(kind, ...unique).changes > 0;
}
