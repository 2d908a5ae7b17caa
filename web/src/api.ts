// HTTP calls to this edge's API with the stored token: JSON in and out; an error answer becomes an
// ApiFailure carrying PROTOCOL's `code` and `message` (shown to the user as they are).
import { forgetToken, readToken } from "./token.ts"

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()

/** Called when the token was refused (401): the app forgets it and asks again. */
export const onUnauthorized = (listener: Listener): (() => void) => {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

export const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const token = readToken()
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers["content-type"] = "application/json"
  let response: Response
  try {
    response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  } catch (error) {
    throw new ApiFailure("unavailable", `the edge did not answer (${String(error)})`, 0)
  }
  const text = await response.text()
  const parsed: unknown = text === "" ? null : JSON.parse(text)
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error
    if (response.status === 401) {
      forgetToken()
      for (const listener of unauthorizedListeners) listener()
    }
    throw new ApiFailure(error?.code ?? "internal", error?.message ?? `HTTP ${response.status}`, response.status)
  }
  return parsed as T
}

export const get = <T>(path: string): Promise<T> => request<T>("GET", path)
export const post = <T>(path: string, body: unknown = {}): Promise<T> => request<T>("POST", path, body)

/** Every item of a paginated listing (`{items, next_cursor}`), `limit` per page. */
export const getAll = async <T>(path: string, limit = 200): Promise<T[]> => {
  const items: T[] = []
  let cursor: string | null = null
  do {
    const separator = path.includes("?") ? "&" : "?"
    const page: { items: T[]; next_cursor: string | null } = await get(
      `${path}${separator}limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
    )
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor !== null)
  return items
}

export const describeFailure = (error: unknown): string =>
  error instanceof ApiFailure ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
