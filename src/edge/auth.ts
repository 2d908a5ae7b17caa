// Bearer-token authentication of mutating calls: the operator token (CLAWBOT_OPERATOR_TOKEN when
// configured, else the stored ones) or an agent's token; what an agent token may do (act on itself
// and its tasks only); and the operator token's generation at first start.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { ApiError } from "../schema/errors.ts"
import type { Sql } from "../store/db.ts"
import { agentIdForToken, hasOperatorToken, isOperatorToken, saveOperatorToken } from "../store/tokens.ts"

export type Principal = { readonly role: "operator" } | { readonly role: "agent"; readonly agentId: string }

export interface Authenticator {
  /** The caller behind an `Authorization` header; throws `unauthorized` without a valid bearer token. */
  authenticate(authorization: string): Promise<Principal>
}

/** A new random bearer token (256 bits, base64url). */
export const newToken = (): string => randomBytes(32).toString("base64url")

const digest = (token: string): Buffer => createHash("sha256").update(token).digest()

/** A short stable fingerprint of a token, to key rate limits without keeping the token. */
export const tokenFingerprint = (token: string): string => digest(token).toString("hex").slice(0, 24)

/** The token of an `Authorization: Bearer <token>` header. */
export const bearerToken = (authorization: string): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)
  return match?.[1]
}

const unauthorized = (message: string): ApiError => new ApiError({ code: "unauthorized", message })

const forbidden = (message: string): ApiError => new ApiError({ code: "forbidden", message })

/** With `operatorToken` configured only it is the operator's; otherwise the tokens stored hashed are. */
export const createAuthenticator = (sql: Sql, operatorToken?: string): Authenticator => {
  const configured = operatorToken === undefined ? undefined : digest(operatorToken)
  const isOperator = (token: string): Promise<boolean> =>
    configured === undefined ? isOperatorToken(sql, token) : Promise.resolve(timingSafeEqual(digest(token), configured))
  return {
    async authenticate(authorization) {
      if (authorization === "") throw unauthorized("Authorization: a bearer token is required for this call")
      const token = bearerToken(authorization)
      if (token === undefined) throw unauthorized("Authorization: expected \"Bearer <token>\"")
      if (await isOperator(token)) return { role: "operator" }
      const agentId = await agentIdForToken(sql, token)
      if (agentId === undefined) throw unauthorized("Authorization: unknown or revoked token")
      return { role: "agent", agentId }
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
  if (principal?.agentId !== agentId) throw forbidden(`an agent token may only act on its own agent, not on agent ${agentId}`)
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
