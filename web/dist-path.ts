// Where `npm run build:web` writes the dashboard and where every edge serves it from (`GET /`): the one
// place both read, so the build and the server cannot disagree. It is `web/dist/` under the package's
// root, found from this file whether it runs from source (web/) or compiled (dist/web/). The built
// files are committed (and listed in the package's `files`), so `npm install && npm start` serves the
// dashboard with no build step of its own.
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const packageRoot = (from: string): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir
    if (dirname(dir) === dir) return from
  }
}

export const WEB_DIST = join(packageRoot(dirname(fileURLToPath(import.meta.url))), "web", "dist")
