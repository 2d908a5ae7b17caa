// Credentials: operator, viewer and agent bearer tokens, stored only as SHA-256 hashes. Callers pass
// the token itself; it is hashed here (tokenHash) so a raw token never reaches the database.
import { createHash } from "node:crypto"
import type { Sql } from "./db.ts"

/** The stored form of a token: its SHA-256, hex. */
export const tokenHash = (token: string): string => createHash("sha256").update(token).digest("hex")

/** Whose a stored token is. */
export type TokenOwner =
  | { readonly role: "operator" }
  | { readonly role: "viewer"; readonly viewerId: string }
  | { readonly role: "agent"; readonly agentId: string }

/** The owner of the token with hash `hash`, in one round trip, or undefined when no table holds it. */
export async function tokenOwner(sql: Sql, hash: string): Promise<TokenOwner | undefined> {
  const [row] = await sql<{ role: "operator" | "viewer" | "agent"; id: string | null }[]>`
    select 'operator' as role, null as id from operator_tokens where token_hash = ${hash}
    union all select 'viewer', id::text from viewer_tokens where token_hash = ${hash}
    union all select 'agent', agent_id from agent_tokens where token_hash = ${hash}
    limit 1`
  if (row === undefined) return undefined
  if (row.role === "operator") return { role: "operator" }
  return row.role === "viewer" ? { role: "viewer", viewerId: row.id ?? "" } : { role: "agent", agentId: row.id ?? "" }
}

export async function saveAgentToken(sql: Sql, agentId: string, token: string): Promise<void> {
  await sql`insert into agent_tokens (token_hash, agent_id) values (${tokenHash(token)}, ${agentId})`
}

/** The agent a token belongs to, if any. */
export async function agentIdForToken(sql: Sql, token: string): Promise<string | undefined> {
  const [row] = await sql<{ agent_id: string }[]>`select agent_id from agent_tokens where token_hash = ${tokenHash(token)}`
  return row?.agent_id
}

/** Revokes every token of the agent (on deregistration). */
export async function revokeAgentTokens(sql: Sql, agentId: string): Promise<void> {
  await sql`delete from agent_tokens where agent_id = ${agentId}`
}

/** Replaces every token of the agent by `token`, in one transaction (rotation). */
export async function replaceAgentTokens(sql: Sql, agentId: string, token: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from agent_tokens where agent_id = ${agentId}`
    await tx`insert into agent_tokens (token_hash, agent_id) values (${tokenHash(token)}, ${agentId})`
  })
}

export async function saveViewerToken(sql: Sql, id: string, token: string, name: string | null): Promise<Date> {
  const [row] = await sql<{ created_at: Date }[]>`
    insert into viewer_tokens (id, token_hash, name) values (${id}, ${tokenHash(token)}, ${name}) returning created_at`
  return row?.created_at ?? new Date()
}

/** Deletes a viewer token; false when there was none with this id. */
export async function revokeViewerToken(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`delete from viewer_tokens where id = ${id} returning id`
  return rows.length > 0
}

export async function saveOperatorToken(sql: Sql, token: string): Promise<void> {
  await sql`insert into operator_tokens (token_hash) values (${tokenHash(token)}) on conflict do nothing`
}

/** Whether any operator token exists (at first start none does, and one is generated). */
export async function hasOperatorToken(sql: Sql): Promise<boolean> {
  const [row] = await sql`select from operator_tokens limit 1`
  return row !== undefined
}
