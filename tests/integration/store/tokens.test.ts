// Credentials: tokens are found by their value but stored only as hashes.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  agentIdForToken,
  hasOperatorToken,
  isOperatorToken,
  revokeAgentTokens,
  saveAgentToken,
  saveOperatorToken,
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
    expect(await isOperatorToken(pg.sql, "operator-secret")).toBe(true)
    expect(await isOperatorToken(pg.sql, "operator-secreT")).toBe(false)
  })
})
