// Protocol 3 (issue 11): the messages that carry OPAQUE (RFC 9807) instead of passwords, and an
// issued program's package proof. The password itself never travels: the client sends KE1 and
// KE3 (or a registration request and the finished record), the server KE2 (or a registration
// response). messages.ts adds these to its unions and the new `auth` fields to `auth`.
import { z } from 'zod';

/** The first protocol version in which passwords never leave the client. */
export const OPAQUE_PROTOCOL_VERSION = 3;

const requestId = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The library's messages are unpadded base64url; their lengths are fixed today (KE1 128, KE2 427, KE3 86, request 43, response 86, record 256). */
const opaqueMessage = z.string().min(1).max(1024).regex(/^[A-Za-z0-9_-]+$/);
const base64 = z.string().max(256).regex(/^[A-Za-z0-9+/=]*$/);

/**
 * Argon2id parameters the client stretches the password with (memory in KiB). The server names
 * them with its answer; a client refuses more than 256 MiB, so a forged server cannot make a
 * friend's computer allocate gigabytes.
 */
export const stretchingSchema = z.object({
  algorithm: z.literal('argon2id'),
  memory: z.int().min(8).max(262_144),
  iterations: z.int().min(1).max(64),
  parallelism: z.int().min(1).max(16),
});
export type StretchingParams = z.infer<typeof stretchingSchema>;

/** Parameters at least as costly as both, in every dimension. */
export function strongerStretching(a: Omit<StretchingParams, 'algorithm'>, b: Omit<StretchingParams, 'algorithm'>): StretchingParams {
  return { algorithm: 'argon2id', memory: Math.max(a.memory, b.memory), iterations: Math.max(a.iterations, b.iterations), parallelism: Math.max(a.parallelism, b.parallelism) };
}

/** Whether `given` costs at least `floor` in every dimension. */
export function stretchingAtLeast(given: Omit<StretchingParams, 'algorithm'>, floor: Omit<StretchingParams, 'algorithm'>): boolean {
  return given.memory >= floor.memory && given.iterations >= floor.iterations && given.parallelism >= floor.parallelism;
}

/**
 * A migrated account (its password was an scrypt hash before protocol 3): the client computes
 * scrypt(password, salt) with these and runs OPAQUE over that instead of the password.
 */
export const prehashSchema = z.object({
  algorithm: z.literal('scrypt'),
  N: z.int().min(2).max(2 ** 20),
  r: z.int().min(1).max(32),
  p: z.int().min(1).max(16),
  salt: base64,
  keyLength: z.int().min(16).max(64),
});
export type PrehashParams = z.infer<typeof prehashSchema>;

/** Added to `auth` in protocol 3. */
export const authAccountFieldsSchema = z.object({
  /** An issued program's Ed25519 signature over the login (crypto/package-key.ts), with `packageId`. */
  packageProof: base64.optional(),
  /**
   * The account's OPAQUE opening: KE1 for a registered name (or root), over the password or, with
   * `prehashed`, over the migrated account's prehash; a registration request to register the name.
   */
  account: z
    .object({
      ke1: opaqueMessage.optional(),
      prehashed: z.boolean().optional(),
      registrationRequest: opaqueMessage.optional(),
    })
    .optional(),
});

// Client -> server.
/** KE3 and the channel binding; without `ke3` the client says "the password did not open it". */
export const accountFinishSchema = z.object({
  type: z.literal('account-finish'),
  id: requestId.optional(),
  ke3: opaqueMessage.optional(),
  binding: base64.optional(),
  /** /password: the registration request for the new password, once the old one is proven. */
  registrationRequest: opaqueMessage.optional(),
});
/**
 * The finished registration record, and the Argon2id parameters the client stretched with: its
 * own choice, at least the server's minimum (named in account-registration) and at least its
 * own default, so a forged server cannot talk it into a record that is cheap to attack.
 */
export const accountRecordSchema = z.object({ type: z.literal('account-record'), id: requestId.optional(), record: opaqueMessage, stretching: stretchingSchema });

// Server -> client.
export const accountChallengeSchema = z.object({ type: z.literal('account-challenge'), ref: requestId.optional(), ke2: opaqueMessage, stretching: stretchingSchema });
/** `stretching`: the least the server accepts for the new record (the client may use more). */
export const accountRegistrationSchema = z.object({ type: z.literal('account-registration'), ref: requestId.optional(), registrationResponse: opaqueMessage, stretching: stretchingSchema });

/** Fields `error` may carry in protocol 3: a migrated account's prehash (PASSWORD_REQUIRED), and when to try again (TRY_LATER, BUSY). */
export const errorAccountFieldsSchema = z.object({
  prehash: prehashSchema.optional(),
  retryAfterMs: z.int().min(0).max(7 * 86_400_000).optional(),
});

export type AccountFinishMessage = z.infer<typeof accountFinishSchema>;
export type AccountRecordMessage = z.infer<typeof accountRecordSchema>;
