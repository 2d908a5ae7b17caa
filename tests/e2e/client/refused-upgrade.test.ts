// An upgrade the server refuses for good ends the SDK client at the first refusal, with the server's own
// error (its `code`, `message` and `ref` as the body says, and the HTTP status), never retried: a bot whose
// token is unknown (401), or whose agent is quarantined (409: the
// agent machine changed and no migration reads its stored snapshot); a subscriber asking for a topic that
// does not exist (400). Each stops at once: `connected()` / `ready()` reject with the error, `onError`
// hears it once, and the status goes from connecting to closed without a reconnect. The raw upgrade
// refusals (status and body on the wire, the 403 of an origin not allowed, which the SDK cannot send): the
// upgrade-refusal rule of tests/e2e/sockets/conformance.test.ts.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { type BotStatus, type ClawbotError, connectBot, subscribe, type SubscriberStatus } from "../../../src/client/node.ts"
import { kindRuns, type KindRun, type KindRuns, withKind } from "../../support/kind-runs.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"
import { FAST_BACKOFF, registerAgent } from "./support.ts"

const operatorToken = randomBytes(24).toString("base64url")
let deployment: TestDeployment
let runs: KindRuns
let run: KindRun
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, operatorToken)
  run = await runs.run(KINDS)
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

const httpUrl = () => run.ws("").replace(/^ws:/u, "http:")

/** A bot on `token`: what `connected()` rejected with, and everything its callbacks heard until then. */
const refusedBot = async (token: string) => {
  const errors: ClawbotError[] = []
  const statuses: BotStatus[] = []
  const bot = connectBot({
    url: httpUrl(),
    token,
    backoff: FAST_BACKOFF,
    onError: (error) => errors.push(error),
    onStatus: (status) => statuses.push(status),
  })
  const error = await bot.connected().then(
    () => undefined,
    (reason: unknown) => reason as ClawbotError,
  )
  const heard = { error, errors: [...errors], statuses: [...statuses] }
  await bot.close()
  return heard
}

describe("a bot refused at the upgrade", () => {
  it("stops at a 401 (an unknown token) with the server's error", async () => {
    const { error, errors, statuses } = await refusedBot("not-a-token")
    expect(error).toMatchObject({ name: "ClawbotError", code: "unauthorized", message: "token: not a valid agent token", status: 401 })
    expect(error?.toJSON()).toEqual({ code: "unauthorized", message: "token: not a valid agent token" })
    expect(errors).toEqual([error])
    expect(statuses).toEqual(["connecting", "closed"])
  })
})

describe("a subscriber refused at the upgrade", () => {
  it("stops at a 400 (an unknown topic) with the server's error", async () => {
    const errors: ClawbotError[] = []
    const statuses: SubscriberStatus[] = []
    const subscriber = subscribe({
      url: httpUrl(),
      token: operatorToken,
      topics: ["tasks", "everything"],
      backoff: FAST_BACKOFF,
      onError: (error) => errors.push(error),
      onStatus: (status) => statuses.push(status),
    })
    const error = await subscriber.ready().then(
      () => undefined,
      (reason: unknown) => reason as ClawbotError,
    )
    expect(error).toMatchObject({ code: "validation_failed", message: expect.stringContaining("topics"), status: 400 })
    expect(errors).toEqual([error])
    expect(statuses).toEqual(["connecting", "closed"])
    await subscriber.close()
  })
})

describe("a quarantined agent's bot", () => {
  it("stops at the 409 with the quarantine's reason, never retried", async () => {
    const agent = await registerAgent(run.api, ["quarantined"])
    await deployment.actor("agent", agent.id)
    // The agent machine goes to version 2 with no migration from 1: the stored agent cannot be restored.
    run = await runs.run(withKind("agent", { version: 2 }))
    const { error, errors, statuses } = await refusedBot(agent.token)
    const reason =
      `quarantined: agent:${agent.id}: its snapshot is of version 1 of the agent machine, now at 2, and no migration from 1 is registered; ` +
      "register one (the kind's migrations), then replay these dead letters"
    expect(error).toMatchObject({ name: "ClawbotError", code: "conflict", message: reason, status: 409 })
    expect(error?.toJSON()).toEqual({ code: "conflict", message: reason })
    expect(errors).toEqual([error])
    expect(statuses).toEqual(["connecting", "closed"])
  })
})
