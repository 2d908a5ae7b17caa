// Matches a method and a raw URL path against the route table: literal segments and `{name}`
// parameters (percent-decoded); a path with more literal segments wins over a parameter.
import type { Method, Route } from "./route.ts"

export type Match =
  | { readonly _tag: "route"; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  /** The path exists, for other methods only. */
  | { readonly _tag: "method"; readonly allowed: ReadonlyArray<Method> }
  | { readonly _tag: "none" }

export interface Router {
  readonly routes: ReadonlyArray<Route>
  match(method: string, path: string): Match
  /** The methods routes take on `path`, or undefined when no route has it. */
  methods(path: string): ReadonlyArray<Method> | undefined
}

type Segment = { readonly literal: string } | { readonly param: string }

interface Compiled {
  readonly route: Route
  readonly segments: ReadonlyArray<Segment>
  readonly literals: number
}

const split = (path: string): string[] => path.split("/").filter((segment, index) => index > 0 || segment !== "")

const compile = (route: Route): Compiled => {
  const segments = split(route.path).map((segment): Segment => {
    const param = /^\{(\w+)\}$/.exec(segment)?.[1]
    return param === undefined ? { literal: segment } : { param }
  })
  return { route, segments, literals: segments.filter((segment) => "literal" in segment).length }
}

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** The parameters when `parts` fits the pattern, else undefined. */
const fit = (compiled: Compiled, parts: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (compiled.segments.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (const [index, segment] of compiled.segments.entries()) {
    const part = parts[index] ?? ""
    if ("literal" in segment) {
      if (segment.literal !== part) return undefined
      continue
    }
    const value = decodeSegment(part)
    if (value === undefined || value === "") return undefined
    params[segment.param] = value
  }
  return params
}

export const createRouter = (routes: ReadonlyArray<Route>): Router => {
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals)
  const fitting = (path: string) => {
    const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path
    const parts = split(trimmed)
    return compiled.flatMap((candidate) => {
      const params = fit(candidate, parts)
      return params === undefined ? [] : [{ route: candidate.route, params }]
    })
  }
  return {
    routes,
    methods(path) {
      const methods = [...new Set(fitting(path).map((candidate) => candidate.route.method))]
      return methods.length > 0 ? methods : undefined
    },
    match(method, path) {
      const fits = fitting(path)
      const found = fits.find((candidate) => candidate.route.method === method)
      if (found) return { _tag: "route", ...found }
      if (fits.length > 0) return { _tag: "method", allowed: [...new Set(fits.map((candidate) => candidate.route.method))] }
      return { _tag: "none" }
    },
  }
}
