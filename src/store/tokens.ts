// Credentials: agent and operator bearer tokens, stored only as SHA-256 hashes. Callers pass the
// token itself; it is hashed here so a raw token never reaches the database.
import { createHash } from "node:crypto"
import type { Sql } from "./db.ts"

const hash = (token: string): string => createHash("sha256").update(token).digest("hex")

export async function saveAgentToken(sql: Sql, agentId: string, token: string): Promise<void> {
  await sql`insert into agent_tokens (token_hash, agent_id) values (${hash(token)}, ${agentId})`
}

/** The agent a token belongs to, if any. */
export async function agentIdForToken(sql: Sql, token: string): Promise<string | undefined> {
  const [row] = await sql<{ agent_id: string }[]>`select agent_id from agent_tokens where token_hash = ${hash(token)}`
  return row?.agent_id
}

/** Revokes every token of the agent (on deregistration). */
export async function revokeAgentTokens(sql: Sql, agentId: string): Promise<void> {
  await sql`delete from agent_tokens where agent_id = ${agentId}`
}

export async function saveOperatorToken(sql: Sql, token: string): Promise<void> {
  await sql`insert into operator_tokens (token_hash) values (${hash(token)}) on conflict do nothing`
}

export async function isOperatorToken(sql: Sql, token: string): Promise<boolean> {
  const [row] = await sql`select from operator_tokens where token_hash = ${hash(token)}`
  return row !== undefined
}

/** Whether any operator token exists (at first start none does, and one is generated). */
export async function hasOperatorToken(sql: Sql): Promise<boolean> {
  const [row] = await sql`select from operator_tokens limit 1`
  return row !== undefined
}
