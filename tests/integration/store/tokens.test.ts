// Credentials: tokens are found by their value but stored only as hashes.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  agentIdForToken,
  hasOperatorToken,
  replaceAgentTokens,
  revokeAgentTokens,
  revokeViewerToken,
  saveAgentToken,
  saveOperatorToken,
  saveViewerToken,
  tokenHash,
  tokenOwner,
} from "../../../src/store/tokens.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

describe("agent tokens", () => {
  it("finds the agent a token belongs to, and nothing once its tokens are revoked", async () => {
    await saveAgentToken(pg.sql, "a-1", "secret-one")
    await saveAgentToken(pg.sql, "a-2", "secret-two")
    expect(await agentIdForToken(pg.sql, "secret-one")).toBe("a-1")
    expect(await agentIdForToken(pg.sql, "secret-two")).toBe("a-2")
    expect(await agentIdForToken(pg.sql, "guess")).toBeUndefined()
    await revokeAgentTokens(pg.sql, "a-1")
    expect(await agentIdForToken(pg.sql, "secret-one")).toBeUndefined()
    expect(await agentIdForToken(pg.sql, "secret-two")).toBe("a-2")
  })

  it("never stores a token itself", async () => {
    const rows = await pg.sql`select * from agent_tokens`
    expect(JSON.stringify(rows)).not.toContain("secret-two")
  })
})

describe("operator tokens", () => {
  it("knows whether any exists and recognises a saved one", async () => {
    expect(await hasOperatorToken(pg.sql)).toBe(false)
    await saveOperatorToken(pg.sql, "operator-secret")
    await saveOperatorToken(pg.sql, "operator-secret")
    expect(await hasOperatorToken(pg.sql)).toBe(true)
    expect(await tokenOwner(pg.sql, tokenHash("operator-secret"))).toEqual({ role: "operator" })
    expect(await tokenOwner(pg.sql, tokenHash("operator-secreT"))).toBeUndefined()
  })
})

describe("token owners, rotation and viewer tokens", () => {
  const viewerId = "6f1c1a52-9d0e-4c57-8f4e-0d7f6a0b9a11"

  it("names the owner of each kind of token in one lookup", async () => {
    await saveAgentToken(pg.sql, "a-3", "agent-three")
    await saveViewerToken(pg.sql, viewerId, "viewer-secret", "dashboard")
    expect(await tokenOwner(pg.sql, tokenHash("agent-three"))).toEqual({ role: "agent", agentId: "a-3" })
    expect(await tokenOwner(pg.sql, tokenHash("viewer-secret"))).toEqual({ role: "viewer", viewerId })
    const rows = await pg.sql`select * from viewer_tokens`
    expect(JSON.stringify(rows)).not.toContain("viewer-secret")
  })

  it("rotation leaves only the new token of the agent", async () => {
    await saveAgentToken(pg.sql, "a-4", "old-four")
    await replaceAgentTokens(pg.sql, "a-4", "new-four")
    expect(await agentIdForToken(pg.sql, "old-four")).toBeUndefined()
    expect(await agentIdForToken(pg.sql, "new-four")).toBe("a-4")
  })

  it("revokes a viewer token once", async () => {
    expect(await revokeViewerToken(pg.sql, viewerId)).toBe(true)
    expect(await revokeViewerToken(pg.sql, viewerId)).toBe(false)
    expect(await tokenOwner(pg.sql, tokenHash("viewer-secret"))).toBeUndefined()
  })
})
