// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document listing exactly the routes that exist, with
// the bodies and parameters of the Schemas the routes decode; routes out of scope are absent and 404.
import { Validator } from "@seriousme/openapi-schema-validator"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"

const ROUTES = [
  "get /api/v1/actors",
  "get /api/v1/actors/counts",
  "get /api/v1/actors/{kind}/{id}",
  "get /api/v1/actors/{kind}/{id}/history",
  "get /api/v1/agents",
  "post /api/v1/agents",
  "post /api/v1/agents/route",
  "delete /api/v1/agents/{id}",
  "get /api/v1/agents/{id}",
  "get /api/v1/dead-letters",
  "get /api/v1/dead-letters/{id}",
  "delete /api/v1/dead-letters/{id}",
  "post /api/v1/dead-letters/{id}/replay",
  "post /api/v1/agents/{id}/heartbeat",
  "post /api/v1/agents/{id}/drain",
  "post /api/v1/agents/{id}/resume",
  "post /api/v1/agents/{id}/token",
  "get /api/v1/machines",
  "get /api/v1/machines/{kind}",
  "get /api/v1/openapi.json",
  "get /api/v1/sessions",
  "post /api/v1/sessions",
  "get /api/v1/sessions/{id}",
  "post /api/v1/sessions/{id}/cancel",
  "post /api/v1/sessions/{id}/checkpoints",
  "post /api/v1/sessions/{id}/pause",
  "post /api/v1/sessions/{id}/resume",
  "post /api/v1/sessions/{id}/retry",
  "post /api/v1/sessions/{id}/start",
  "post /api/v1/sessions/{id}/stop",
  "get /api/v1/sessions/{id}/timeline",
  "get /api/v1/tasks",
  "post /api/v1/tasks",
  "post /api/v1/tasks/batch",
  "get /api/v1/tasks/{id}",
  "put /api/v1/groups/{key}",
  "get /api/v1/groups",
  "get /api/v1/groups/{key}",
  "post /api/v1/tasks/{id}/cancel",
  "post /api/v1/tasks/{id}/approve",
  "post /api/v1/tasks/{id}/reject",
  "post /api/v1/tasks/{id}/claim",
  "post /api/v1/tasks/{id}/complete",
  "post /api/v1/tasks/{id}/fail",
  "post /api/v1/tasks/{id}/progress",
  "post /api/v1/tasks/{id}/start",
  "get /health",
  "get /live",
  "get /metrics",
  "get /ready",
  "post /api/v1/viewer-tokens",
  "delete /api/v1/viewer-tokens/{id}",
  "post /api/v1/actors/{kind}/{id}/events",
  "get /",
  "get /assets/{file}",
  // issue 9: workflows, session deletion, contexts
  "post /api/v1/workflows",
  "delete /api/v1/sessions/{id}",
  "post /api/v1/contexts",
  "get /api/v1/contexts/{id}",
  "patch /api/v1/contexts/{id}",
  "post /api/v1/contexts/{id}/share",
  "get /api/v1/contexts/{id}/history",
  "get /api/v1/contexts/{id}/diff",
  "post /api/v1/contexts/merge",
  "post /api/v1/tasks/{id}/decompose",
  "get /api/v1/tasks/{id}/dependencies",
]

describe("the OpenAPI document", () => {
  let t: TestEdge
  let document: Record<string, any>

  beforeAll(async () => {
    t = await testEdge()
    const answer = await t.api.get("/api/v1/openapi.json", { token: null })
    expect(answer.status).toBe(200)
    document = answer.body
  })
  afterAll(async () => {
    await t?.close()
  })

  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(document)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(document.openapi).toBe("3.1.0")
  })

  it("lists exactly the routes the edge serves", async () => {
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    )
    expect(listed.sort()).toEqual([...ROUTES].sort())
  })

  it("documents bodies, parameters, security and errors from the Schemas", () => {
    const register = document.paths["/api/v1/agents"].post
    expect(register.security).toEqual([{ bearer: [] }])
    expect(register.requestBody.required).toBe(true)
    const bodyRef = register.requestBody.content["application/json"].schema.$ref as string
    const body = document.components.schemas[bodyRef.replace("#/components/schemas/", "")]
    expect(body.required).toEqual(["name", "capabilities"])
    expect(Object.keys(body.properties)).toEqual([
      "name",
      "capabilities",
      "type",
      "max_concurrency",
      "metadata",
      "labels",
      "heartbeat_interval_ms",
    ])
    // Unknown fields are refused (400), so the body says so; its free-form parts and the answers stay open.
    expect(body.additionalProperties).toBe(false)
    expect(body.properties.metadata).toEqual({ type: "object" })
    const createdRef = register.responses["201"].content["application/json"].schema.$ref as string
    expect(document.components.schemas[createdRef.replace("#/components/schemas/", "")].additionalProperties).toBe(true)
    expect(Object.keys(register.responses).sort()).toEqual(["201", "202", "400", "401", "403", "409", "413", "429", "500", "503"])
    expect(register.responses["409"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ErrorBody" })

    const heartbeat = document.paths["/api/v1/agents/{id}/heartbeat"].post
    expect(heartbeat.requestBody.required).toBe(false)
    expect(heartbeat.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:id", "query:wait"])

    const tasks = document.paths["/api/v1/tasks"].get
    expect(tasks.security).toEqual([{ bearer: [] }])
    expect(tasks.parameters.map((p: { name: string }) => p.name)).toEqual([
      "status",
      "session_id",
      "agent_id",
      "capability",
      "group",
      "limit",
      "cursor",
    ])
    const actors = document.paths["/api/v1/actors"].get
    expect(actors.parameters.map((p: { name: string }) => p.name)).toEqual([
      "kind",
      "state",
      "older_than_s",
      "quarantined",
      "limit",
      "cursor",
    ])
    const quarantined = actors.parameters.find((p: { name: string }) => p.name === "quarantined")
    expect({ required: quarantined.required, values: quarantined.schema.enum }).toEqual({
      required: false,
      values: ["0", "1", "true", "false"],
    })
    expect(document.paths["/api/v1/tasks/{id}"].get.responses["409"].description).toMatch(/quarantined/)
    expect(document.paths["/metrics"].get.responses["200"].content["text/plain"]).toBeDefined()
    expect(document.paths["/health"].get.security).toBeUndefined()
    const batch = document.paths["/api/v1/tasks/batch"].post
    expect(batch.requestBody.required).toBe(true)
    expect(Object.keys(batch.responses).sort()).toEqual(["202", "400", "401", "403", "413", "429", "500", "503"])
  })
})
