// What every admin route group shares: bodies checked with the server's own Schemas before they are
// sent (a refusal is the ClawbotError the server would answer, and nothing is sent), command answers
// (`?wait=1`), pages and iterating every page.
import { decodeInput } from "../../schema/errors.ts"
import type { Schema } from "effect"
import { ClawbotError } from "../errors.ts"
import type { Query, Requester } from "../http.ts"

export const API = "/api/v1"

/** A command accepted (202), or with `wait: true` applied (200, its new `state`). */
export interface CommandAnswer {
  readonly id: string
  readonly stream_id: string
  /** The actor's state after the command (with `wait: true`, when the verdict came in time). */
  readonly state?: string
}

export interface CommandOptions {
  /** Wait (bounded) for the transition and answer with the new state. */
  readonly wait?: boolean
}

export interface Paging {
  /** 1 to 200 (default 50). */
  readonly limit?: number
  /** `next_cursor` of the page before. */
  readonly cursor?: string
}

export interface Page<T> {
  readonly items: ReadonlyArray<T>
  readonly next_cursor: string | null
}

/** A body typed by its Schema's wire form, checked by it before sending. */
export function checked<S extends Schema.ConstraintDecoder<unknown>>(schema: S, body: unknown): unknown {
  const decoded = decodeInput(schema, body)
  if (!decoded.ok) throw new ClawbotError({ code: "validation_failed", message: decoded.error.message })
  return body
}

export const waitQuery = (options?: CommandOptions): Query | undefined => (options?.wait ? { wait: 1 } : undefined)

export const segment = (value: string): string => encodeURIComponent(value)

/** Every item of every page from `first` on. */
export async function* everyPage<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined
  do {
    const page = await fetchPage(cursor)
    yield* page.items
    cursor = page.next_cursor ?? undefined
  } while (cursor !== undefined)
}

/** The request function and its helpers, as each route group gets them. */
export interface Transport {
  readonly request: Requester
}

/** POST of a command to `path`, answered 202 (or 200 with `wait`). */
export const command = (t: Transport, path: string, body: unknown, options?: CommandOptions): Promise<CommandAnswer> =>
  t.request<CommandAnswer>("POST", path, { body: body ?? {}, query: waitQuery(options) })

/** `paging` as query fields. */
export const pagingQuery = (filters: object | undefined): Query => ({ ...(filters as Query) })
