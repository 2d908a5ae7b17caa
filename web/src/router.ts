// Hash routes (`#/sessions/<id>`), so the edge serves one page at `/` and every view has a link.
import { useEffect, useState } from "preact/hooks"

export type Page = "fleet" | "sessions" | "agents" | "statecharts" | "dead-letters"

export interface Route {
  readonly page: Page
  /** Path segments after the page: a session id, or a machine kind and an actor id. */
  readonly rest: ReadonlyArray<string>
}

const PAGES: ReadonlyArray<Page> = ["fleet", "sessions", "agents", "statecharts", "dead-letters"]

export const parseHash = (hash: string): Route => {
  const [page = "", ...rest] = hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((part) => part !== "")
  return PAGES.includes(page as Page) ? { page: page as Page, rest: rest.map(decodeURIComponent) } : { page: "fleet", rest: [] }
}

export const href = (page: Page, ...rest: ReadonlyArray<string>): string => `#/${[page, ...rest.map(encodeURIComponent)].join("/")}`

export const useRoute = (): Route => {
  const [hash, setHash] = useState(window.location.hash)
  useEffect(() => {
    const listener = () => setHash(window.location.hash)
    window.addEventListener("hashchange", listener)
    return () => window.removeEventListener("hashchange", listener)
  }, [])
  return parseHash(hash)
}
