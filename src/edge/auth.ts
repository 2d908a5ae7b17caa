// Bearer tokens at the edge (PROTOCOL v1.1 "Tokens"): who a token is (operator: the configured
// CLAWBOT_OPERATOR_TOKEN, else the stored ones; a viewer; an agent), verified tokens cached briefly in
// memory (so a token costs one Postgres lookup per TOKEN_CACHE_MS, and a revocation evicts it at once),
// what each may do, and the operator token's generation at first start. A token verified within
// TOKEN_KNOWN_MS keeps counting against its own rate window (access.ts) even once it must be verified again.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { ApiError } from "../schema/errors.ts"
import type { Sql } from "../store/db.ts"
import { hasOperatorToken, saveOperatorToken, tokenHash, tokenOwner, type TokenOwner } from "../store/tokens.ts"

export type Principal = TokenOwner

/** What a revocation names: every token of one agent, or one viewer token. */
export type Revoked = { readonly kind: "agent"; readonly id: string } | { readonly kind: "viewer"; readonly id: string }

/** How long a verified token is trusted without asking Postgres again (revocations evict at once). */
const TOKEN_CACHE_MS = 10_000
/** How long a token once verified still counts against its own rate window (it is verified again before use). */
const TOKEN_KNOWN_MS = 600_000
const TOKEN_CACHE_ENTRIES = 10_000

export interface Authenticator {
  /** The principal of a token verified within TOKEN_KNOWN_MS (no I/O, for rate limits only), else undefined. */
  known(token: string): Principal | undefined
  /** The token's principal (cached within TOKEN_CACHE_MS, else one Postgres lookup), or undefined for an unknown or revoked token. */
  verify(token: string): Promise<Principal | undefined>
  /** Evicts the cached tokens a revocation names. */
  forget(revoked: Revoked): void
}

/** A new random bearer token (256 bits, base64url). */
export const newToken = (): string => randomBytes(32).toString("base64url")

/** The token of an `Authorization: Bearer <token>` header. */
export const bearerToken = (authorization: string): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
  return match?.[1]
}

/** The rate-limit and log subject of a principal: all tokens of one agent share it. */
export const principalSubject = (principal: Principal): string =>
  principal.role === "operator" ? "operator" : principal.role === "viewer" ? `viewer:${principal.viewerId}` : `agent:${principal.agentId}`

const forbidden = (message: string): ApiError => new ApiError({ code: "forbidden", message })

const revokes = (revoked: Revoked, principal: Principal): boolean =>
  revoked.kind === "agent"
    ? principal.role === "agent" && principal.agentId === revoked.id
    : principal.role === "viewer" && principal.viewerId === revoked.id

/**
 * With `operatorToken` configured only it is the operator's (compared in constant time); otherwise the
 * stored (hashed) operator tokens are. `onLookup` is called for each Postgres lookup (a metric).
 */
export const createAuthenticator = (
  sql: Sql,
  operatorToken: string | undefined,
  clock: () => number,
  onLookup: () => void = () => undefined,
): Authenticator => {
  const configured = operatorToken === undefined ? undefined : createHash("sha256").update(operatorToken).digest()
  const cache = new Map<string, { readonly principal: Principal; readonly verifiedAt: number }>()
  let revocations = 0

  /** The cached principal of `hash` if it was verified less than `withinMs` ago. */
  const fromCache = (hash: string, withinMs: number): Principal | undefined => {
    const entry = cache.get(hash)
    if (entry === undefined) return undefined
    const age = clock() - entry.verifiedAt
    if (age < withinMs) return entry.principal
    if (age >= TOKEN_KNOWN_MS) cache.delete(hash)
    return undefined
  }
  const remember = (hash: string, principal: Principal) => {
    cache.delete(hash)
    cache.set(hash, { principal, verifiedAt: clock() })
    if (cache.size > TOKEN_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
  }
  const isConfigured = (token: string) =>
    configured !== undefined && timingSafeEqual(createHash("sha256").update(token).digest(), configured)

  const verify = async (token: string): Promise<Principal | undefined> => {
    if (isConfigured(token)) return { role: "operator" }
    const hash = tokenHash(token)
    const fresh = fromCache(hash, TOKEN_CACHE_MS)
    if (fresh !== undefined) return fresh
    onLookup()
    const before = revocations
    const owner = await tokenOwner(sql, hash)
    // A configured operator token replaces the stored ones.
    if (owner === undefined || (owner.role === "operator" && configured !== undefined)) {
      cache.delete(hash)
      return undefined
    }
    // A revocation heard during the lookup may postdate what it read: answer, but do not trust it later.
    if (revocations === before) remember(hash, owner)
    return owner
  }

  return {
    known: (token) => (isConfigured(token) ? { role: "operator" } : fromCache(tokenHash(token), TOKEN_KNOWN_MS)),
    verify,
    forget(revoked) {
      revocations += 1
      for (const [hash, entry] of cache) if (revokes(revoked, entry.principal)) cache.delete(hash)
    },
  }
}

/** Only the operator may make this call. */
export const requireOperator = (principal: Principal | undefined): void => {
  if (principal?.role !== "operator") throw forbidden("only the operator token may make this call")
}

/** The operator, or the agent `agentId` itself. */
export const requireSelf = (principal: Principal | undefined, agentId: string): void => {
  if (principal?.role === "operator") return
  if (principal?.role !== "agent") throw forbidden(`only the operator or agent ${agentId} itself may make this call`)
  if (principal.agentId !== agentId) throw forbidden(`an agent token may only act on its own agent, not on agent ${agentId}`)
}

/**
 * The agent a task command acts for: the agent of an agent token (`agent_id`, when given, must be
 * itself), or the `agent_id` the operator names.
 */
export const actingAgent = (principal: Principal | undefined, agentId: string | undefined): string => {
  if (principal?.role === "agent") {
    if (agentId !== undefined && agentId !== principal.agentId) {
      throw forbidden(`agent_id: an agent token may only act as its own agent ${principal.agentId}`)
    }
    return principal.agentId
  }
  requireOperator(principal)
  if (agentId === undefined) {
    throw new ApiError({ code: "validation_failed", message: "agent_id: is missing (required with the operator token)" })
  }
  return agentId
}

export type OperatorTokenStatus =
  | { readonly source: "configured" }
  | { readonly source: "stored" }
  | { readonly source: "generated"; readonly token: string }

/** At first start (no token configured, none stored) generates the operator token and stores its hash. */
export const ensureOperatorToken = async (sql: Sql, configured?: string): Promise<OperatorTokenStatus> => {
  if (configured !== undefined) return { source: "configured" }
  if (await hasOperatorToken(sql)) return { source: "stored" }
  const token = newToken()
  await saveOperatorToken(sql, token)
  return { source: "generated", token }
}
