// What one HTTP route is: method, path pattern (`/api/v1/agents/{id}`), who may call it, the
// Schemas its path parameters, query string and body decode with (also the source of the OpenAPI
// document), its answers, and the handler that turns a decoded call into an answer.
import { Schema } from "effect"
import { paginationFields } from "../../schema/http.ts"
import type { Principal } from "../auth.ts"
import type { EdgeContext } from "../context.ts"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** The API prefix of every route but the operational ones (/health, /live, /ready, /metrics). */
export const API = "/api/v1"

/**
 * `public`: no token needed; `read`: a viewer or operator token (none with CLAWBOT_PUBLIC_READS), an
 * agent token only where `agentReads` says so; `token`: an operator or agent token (the handler decides
 * what the agent may do; a viewer token is refused).
 */
export type Access = "public" | "read" | "token"

type Decoder = Schema.ConstraintDecoder<unknown>

/** `?limit&cursor`, for routes whose query Schema does not carry them (`paged`). */
export const PageQuery = Schema.Struct(paginationFields)
export type Page = typeof PageQuery.Type

export interface Call<P, Q, B> {
  readonly ctx: EdgeContext
  readonly params: P
  readonly query: Q
  readonly body: B
  /** Present on `token` routes, and on `read` routes when a token was given. */
  readonly principal: Principal | undefined
  /** `?limit&cursor` on routes declared `paged`. */
  readonly page: Page | undefined
}

export type Answer =
  | { readonly status: number; readonly json: unknown; readonly close?: boolean; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly text: string; readonly contentType: string; readonly headers?: Readonly<Record<string, string>> }

/** A response a route documents: its status, what it means, and the Schema of its JSON body. */
export interface Documented {
  readonly description: string
  readonly schema?: Schema.Top
  readonly contentType?: string
}

export interface RouteDef<P extends Decoder, Q extends Decoder, B extends Decoder> {
  readonly method: Method
  readonly path: string
  /** The OpenAPI operationId. */
  readonly name: string
  readonly summary: string
  readonly access: Access
  /** On a `read` route: agent tokens get to the handler too, which lets an agent read only its own. */
  readonly agentReads?: boolean
  readonly params?: P
  readonly query?: Q
  /** Also accepts `?limit&cursor` (for query Schemas that do not carry them). */
  readonly paged?: boolean
  readonly body?: B
  /** The body checked field by field as `body` decodes it (parsed JSON that passed the input rules): its value, or
   * undefined for anything else, which `body` then decodes (to name what is wrong). Same answers, less CPU. */
  readonly plainBody?: (parsed: unknown) => B["Type"] | undefined
  /** Successful answers by status; error answers are documented from the route's shape. */
  readonly responses: Readonly<Record<number, Documented>>
  /** Answers the machine may refuse with (409 and the like): a command route. */
  readonly command?: boolean
  /** A route PROTOCOL v1.1 does not name, and why it exists: the OpenAPI document marks it `x-extension`, and
   * docs/protocol.md lists it under "Beyond the contract". */
  readonly extension?: string
  handle(call: Call<P["Type"], Q["Type"], B["Type"]>): Promise<Answer>
}

export type Route = RouteDef<Decoder, Decoder, Decoder>

/** Declares a route, keeping its decoded types for the handler and erasing them for the route table. */
export const route = <P extends Decoder = Decoder, Q extends Decoder = Decoder, B extends Decoder = Decoder>(
  def: RouteDef<P, Q, B>,
): Route => def

/** A JSON answer. */
export const json = (status: number, body: unknown): Answer => ({ status, json: body })
