// The dashboard (docs/dashboard.md) at `GET /`: the files `npm run build:web` wrote to WEB_DIST, read
// once on first request and held in memory. index.html is revalidated on every load; the files under
// /assets/ are named by index.html with their content's version (`index.js?v=<hash>`, the query ignored
// here) or carry a content hash in their name (chunks), so what one URL answers never changes and browsers
// keep them for a year (web/asset-version.ts). Only files the build wrote are served (looked up by name,
// never a path on disk), each with its content type.
import { readdirSync, readFileSync } from "node:fs"
import { extname, join } from "node:path"
import { Schema } from "effect"
import { WEB_DIST } from "../../../../web/dist-path.ts"
import { ApiError } from "../../../schema/errors.ts"
import { route, type Answer, type Route } from "../route.ts"

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
}

const REVALIDATE = "no-cache"
const IMMUTABLE = "public, max-age=31536000, immutable"

/** Where the page may load from and connect to: this edge only (its API and its event socket). */
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
}

interface Built {
  readonly index: string
  readonly assets: ReadonlyMap<string, { readonly text: string; readonly contentType: string }>
}

const load = (): Built | undefined => {
  try {
    const index = readFileSync(join(WEB_DIST, "index.html"), "utf8")
    const assets = new Map<string, { text: string; contentType: string }>()
    for (const name of readdirSync(join(WEB_DIST, "assets"))) {
      const contentType = TYPES[extname(name)]
      if (contentType !== undefined) assets.set(name, { text: readFileSync(join(WEB_DIST, "assets", name), "utf8"), contentType })
    }
    return { index, assets }
  } catch {
    return undefined
  }
}

const AssetParams = Schema.Struct({ file: Schema.String })
const Html = Schema.String.annotate({ identifier: "DashboardPage" })

const file = (text: string, contentType: string, cache: string): Answer => ({
  status: 200,
  text,
  contentType,
  headers: { "cache-control": cache, ...SECURITY_HEADERS },
})

export const dashboardRoutes = (): Route[] => {
  let built: Built | undefined
  const files = (): Built => {
    built ??= load()
    if (built === undefined)
      throw new ApiError({ code: "not_found", message: `the dashboard is not built (${WEB_DIST}): run npm run build:web` })
    return built
  }
  return [
    route({
      method: "GET",
      path: "/",
      name: "dashboard",
      summary: "The dashboard (a single page; it asks for a viewer or operator token)",
      access: "public",
      responses: { 200: { description: "the dashboard's page", schema: Html, contentType: "text/html" } },
      async handle() {
        return file(files().index, TYPES[".html"]!, REVALIDATE)
      },
    }),
    route({
      method: "GET",
      path: "/assets/{file}",
      name: "dashboardAsset",
      summary: "One of the dashboard's built files (scripts, styles), by its name (index.html adds `?v=` and its content's hash)",
      access: "public",
      params: AssetParams,
      responses: { 200: { description: "the file", schema: Schema.String, contentType: "text/javascript" } },
      async handle({ params }) {
        const asset = files().assets.get(params.file)
        if (asset === undefined) throw new ApiError({ code: "not_found", message: `/assets/${params.file}: no such file` })
        return file(asset.text, asset.contentType, IMMUTABLE)
      },
    }),
  ]
}
