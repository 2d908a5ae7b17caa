// CORS: which browser origins may call the API (the configured list, `*` for any, else only pages
// served from the same host), the headers an allowed origin gets, and the preflight answer.
import type { Method } from "./route.ts"

/** Requests without an `Origin` (bots, curl) are not browser requests and always pass. */
export const originAllowed = (origin: string, host: string, allowed: ReadonlyArray<string>): boolean => {
  if (origin === "" || allowed.includes("*") || allowed.includes(origin)) return true
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

/** Headers that let an allowed browser origin read the answer. */
export const corsHeaders = (origin: string): Record<string, string> =>
  origin === "" ? {} : { "access-control-allow-origin": origin, vary: "Origin" }

const MAX_AGE_S = "600"

/** The answer headers of a preflight for a path that takes `methods`. */
export const preflightHeaders = (origin: string, methods: ReadonlyArray<Method>): Record<string, string> => ({
  ...corsHeaders(origin),
  "access-control-allow-methods": [...methods, "OPTIONS"].join(", "),
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": MAX_AGE_S,
})
