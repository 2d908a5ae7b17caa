// Test support: an edge and a runtime in this process on a test deployment (its own Postgres schema
// and Redis prefix), listening on a free port with a known operator token, and a small JSON client.
import { randomBytes } from "node:crypto"
import { KINDS } from "../../actors/index.ts"
import { createEdge, type Edge, type EdgeOptions } from "../../src/edge/app.ts"
import type { EdgeLimits } from "../../src/edge/context.ts"
import { createLogger } from "../../src/log.ts"
import type { Runtime, RuntimeTuning } from "../../src/runtime/runtime.ts"
import { withIntakeGifts } from "../../src/runtime/intake.ts"
import { entriesAdded, QUICK, testDeployment, type TestDeployment } from "./runtime.ts"

export interface Answer<T = any> {
  readonly status: number
  readonly body: T
  readonly headers: Headers
}

export interface RequestOptions {
  readonly body?: unknown
  /** Raw body text (sent as is). */
  readonly text?: string
  /** Bearer token; `null` sends none. Default: the client's token. */
  readonly token?: string | null
  readonly headers?: Readonly<Record<string, string>>
}

export interface Client {
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<Answer<T>>
  get<T = any>(path: string, options?: RequestOptions): Promise<Answer<T>>
  post<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<Answer<T>>
  delete<T = any>(path: string, options?: RequestOptions): Promise<Answer<T>>
}

/** A JSON client of `baseUrl` sending `token` unless told otherwise. */
export const httpClient = (baseUrl: string, token?: string): Client => {
  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> => {
    const bearer = options.token === undefined ? token : options.token
    const headers: Record<string, string> = { ...options.headers }
    if (bearer) headers.authorization = `Bearer ${bearer}`
    let body: string | undefined = options.text
    if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers["content-type"] = "application/json"
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    const isJson = response.headers.get("content-type")?.startsWith("application/json") === true
    return { status: response.status, body: (isJson && text !== "" ? JSON.parse(text) : text) as T, headers: response.headers }
  }
  return {
    request,
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, { ...options, ...(body === undefined ? {} : { body }) }),
    delete: (path, options) => request("DELETE", path, options),
  }
}

export interface TestEdge {
  readonly deployment: TestDeployment
  /** Absent when started with `runtime: false`. */
  readonly runtime: Runtime | undefined
  readonly edge: Edge
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly operatorToken: string
  /** A client with the operator token. */
  readonly api: Client
  close(): Promise<void>
}

/** Entries ever added to the deployment's inboxes (XINFO STREAM entries-added: trimming does not lower it). */
export const inboxAppends = async (deployment: TestDeployment): Promise<number> => {
  const added = await Promise.all(
    Array.from({ length: deployment.partitions }, (_, p) => entriesAdded(deployment.redis, deployment.keys.partition(p).inbox)),
  )
  return added.reduce((a, b) => a + b, 0)
}

export interface TestEdgeOptions {
  readonly limits?: Partial<EdgeLimits>
  readonly partitions?: number
  /** false: no runtime (commands stay unanswered until the test starts one on `deployment`). */
  readonly runtime?: boolean
  /** The runtime's tuning over the quick one tests use (e.g. a routing sweep that never comes). */
  readonly tuning?: Partial<RuntimeTuning>
  readonly edge?: Partial<EdgeOptions>
}

/** An edge (another, or again after a restart) on `deployment`, on a free port unless `edge.port` says. */
export const edgeOn = (
  deployment: TestDeployment,
  options: {
    operatorToken: string
    runtime?: Runtime | undefined
    limits?: Partial<EdgeLimits> | undefined
    edge?: Partial<EdgeOptions> | undefined
  },
): Promise<Edge> =>
  createEdge({
    redis: deployment.redis,
    sql: deployment.schema.sql,
    keys: deployment.keys,
    partitions: deployment.partitions,
    // As services make it (src/services.ts): standalone tasks created while a slot waits are created assigned.
    append: withIntakeGifts(deployment.append, deployment),
    log: createLogger(process.env.TEST_LOG === "1" ? "debug" : "error", { component: "edge" }),
    kinds: KINDS,
    host: "127.0.0.1",
    port: 0,
    operatorToken: options.operatorToken,
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
    limits: { waitMs: 5_000, ...options.limits },
    ...options.edge,
  })

/** An edge and a runtime on a fresh deployment; `close()` stops both and removes the deployment's data. */
export const testEdge = async (options: TestEdgeOptions = {}): Promise<TestEdge> => {
  const deployment = await testDeployment(options.partitions === undefined ? {} : { partitions: options.partitions })
  const operatorToken = randomBytes(24).toString("base64url")
  const runtime = options.runtime === false ? undefined : await deployment.startRuntime({ ...QUICK, ...options.tuning })
  const edge = await edgeOn(deployment, { operatorToken, runtime, limits: options.limits, edge: options.edge })
  const url = `http://127.0.0.1:${edge.port}`
  return {
    deployment,
    runtime,
    edge,
    url,
    operatorToken,
    api: httpClient(url, operatorToken),
    async close() {
      await edge.close()
      await deployment.close()
    },
  }
}
