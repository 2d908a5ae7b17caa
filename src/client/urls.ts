// Where the client's requests go: one base URL (`http://host:port`, `https://…`, or the same with
// ws/wss) gives the HTTP API's and the two sockets' addresses.

/** The HTTP origin (and any path prefix) of `base`, without a trailing slash. */
export function httpBase(base: string): string {
  const trimmed = base.replace(/\/+$/u, "")
  return trimmed.replace(/^ws(s?):\/\//u, "http$1://")
}

/** `ws(s)://…<path>?<query>` of `base`, empty query values left out. */
export function socketUrl(base: string, path: string, query: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(`${httpBase(base).replace(/^http(s?):\/\//u, "ws$1://")}${path}`)
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") url.searchParams.set(name, value)
  return url.toString()
}
